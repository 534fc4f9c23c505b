"""What the wordpress role decides and writes, per OS family (Rocky cannot boot in our lab)."""

from __future__ import annotations

import re

import pytest
from bonus_renderer import Renderer, load_yaml, slurped

SECRETS = {"wordpress_db_password": "Db4n'Lq8\\Vs2", "wordpress_admin_password": "Wp7rQx2mZk9t"}
DONE_STATE = [
    "user\tmariadb.sys\tlocalhost",
    "user\troot\tlocalhost",
    "user\tmysql\tlocalhost",
    "user\twordpress\tlocalhost",
    "db\tinformation_schema",
    "db\tmysql",
    "db\tperformance_schema",
    "db\tsys",
    "db\twordpress",
    "password_ok\twordpress",
    "grant\twordpress",
]


def wordpress(family="Debian", **overrides):
    return Renderer("wordpress", family, **{**SECRETS, **overrides})


def db_changes(lines, **overrides):
    return wordpress(__wordpress_db_state={"stdout_lines": lines}, **overrides).var("__wordpress_db_changes")


def test_a_secured_server_with_the_site_account_needs_no_statement():
    assert db_changes(DONE_STATE) == []


def test_a_fresh_server_is_secured_and_gets_the_database_and_account():
    fresh = [
        "user\t\tlocalhost",
        "user\t\tguest1",
        "user\troot\tlocalhost",
        "user\troot\t%",
        "user\troot\t::1",
        "db\tmysql",
        "db\ttest",
        "test_grant\ttest\\_%",
    ]
    assert db_changes(fresh) == [
        "DROP USER ''@'localhost';",
        "DROP USER ''@'guest1';",
        "DROP USER 'root'@'%';",
        "DROP DATABASE test;",
        "DELETE FROM mysql.db WHERE Db = 'test' OR LEFT(Db, 5) = 'test_';",
        "FLUSH PRIVILEGES;",
        "CREATE DATABASE `wordpress` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;",
        "CREATE USER 'wordpress'@'localhost' IDENTIFIED BY 'Db4n\\'Lq8\\\\Vs2';",
        "GRANT ALL PRIVILEGES ON `wordpress`.* TO 'wordpress'@'localhost';",
    ]


def test_a_changed_password_is_applied_to_the_existing_account():
    assert db_changes([line for line in DONE_STATE if not line.startswith("password_ok")]) == [
        "ALTER USER 'wordpress'@'localhost' IDENTIFIED BY 'Db4n\\'Lq8\\\\Vs2';"
    ]


def test_the_state_query_checks_the_password_inside_sql_with_it_quoted():
    sql = wordpress().var("__wordpress_db_state_sql")
    assert "PASSWORD('Db4n\\'Lq8\\\\Vs2')" in sql
    assert "LEFT(Db, 5) = 'test_'" in sql


@pytest.mark.parametrize("family", ["Debian", "RedHat"])
def test_salts_are_kept_from_the_current_configuration(family):
    salts = {name: chr(65 + i) * 64 for i, name in enumerate(wordpress(family).var("__wordpress_salt_names"))}
    current = "<?php\n" + "".join("define( '%s', '%s' );\n" % item for item in salts.items())
    current += "define( 'DB_PASSWORD', 'x' );\n"
    found = wordpress(family, __wordpress_config_current=slurped(current)).var("__wordpress_salts_found")
    assert found == salts


def test_new_salts_are_eight_random_64_character_strings():
    renderer = wordpress(__wordpress_config_current={"failed": True, "msg": "file not found"})
    assert renderer.var("__wordpress_salts_found") == {}
    salts = renderer.var("__wordpress_salts_new")
    assert sorted(salts) == sorted(renderer.var("__wordpress_salt_names"))
    assert all(re.fullmatch("[A-Za-z0-9]{64}", value) for value in salts.values())
    assert len(set(salts.values())) == 8


@pytest.mark.parametrize("family", ["Debian", "RedHat"])
def test_wp_config_quotes_the_password_and_keeps_the_salts(family):
    renderer = wordpress(family)
    salts = {name: "s" * 64 for name in renderer.var("__wordpress_salt_names")}
    text = renderer.template("wp-config.php.j2", __wordpress_salts=salts)
    assert "define( 'DB_PASSWORD', 'Db4n\\'Lq8\\\\Vs2' );" in text
    assert text.count("'" + "s" * 64 + "'") == 8
    assert "define( 'WP_HOME', 'http://192.168.150.20' );" in text
    # Debian's /usr/share/wordpress/wp-config.php loads wp-settings.php itself after this file.
    assert ("require_once ABSPATH . 'wp-settings.php';" in text) == (family == "RedHat")


def test_the_site_url_names_a_port_other_than_80():
    assert wordpress(wordpress_http_port=8080).var("wordpress_site_url") == "http://192.168.150.20:8080"


def test_lighttpd_serves_the_debian_layout_through_php_fpm():
    text = wordpress("Debian").template("lighttpd-wordpress.conf.j2")
    assert 'server.document-root := "/usr/share/wordpress"' in text
    assert 'alias.url += ( "/wp-content/" => "/var/lib/wordpress/wp-content/" )' in text
    assert '"socket" => "/run/php/php-fpm.sock"' in text
    assert "server.port := 80" in text


def test_lighttpd_on_rocky_uses_php_fpm_s_socket_and_needs_no_alias():
    text = wordpress("RedHat", wordpress_http_port=8080).template("lighttpd-wordpress.conf.j2")
    assert "alias.url" not in text
    assert '"socket" => "/run/php-fpm/www.sock"' in text
    assert "server.port := 8080" in text


def test_the_firewall_declaration_follows_the_port():
    assert wordpress(wordpress_http_port=8080).var("bootstrap_firewall_ports_wordpress") == ["8080/tcp"]


def test_the_php_package_comes_after_php_fpm_on_debian():
    renderer = wordpress("Debian")
    assert "php-fpm" in renderer.var("__wordpress_packages_server")
    assert "php" in renderer.var("__wordpress_packages_site")
    assert not {"apache2", "nginx"} - set(renderer.var("__wordpress_forbidden_packages"))


def test_rocky_sets_the_selinux_boolean_and_labels_uploads():
    renderer = wordpress("RedHat")
    assert renderer.var("__wordpress_selinux_booleans") == {"httpd_can_network_connect_db": "on"}
    assert renderer.var("__wordpress_selinux_rw_paths") == ["/usr/share/wordpress/wp-content/uploads(/.*)?"]
    assert {"httpd", "nginx"} <= set(renderer.var("__wordpress_forbidden_packages"))


@pytest.mark.parametrize("role", ["wordpress", "fail2ban"])
def test_every_default_is_documented_and_every_option_has_a_default_or_is_required(role):
    defaults = load_yaml(role, "defaults", "main.yml")
    options = load_yaml(role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    assert sorted(set(defaults) - set(options)) == []
    assert sorted(n for n, spec in options.items() if n not in defaults and not spec.get("required")) == []
