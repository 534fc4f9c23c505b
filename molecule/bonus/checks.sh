#!/usr/bin/env bash
# Behavioural checks of the bonus services, run as root inside the guest by verify.yml.
#   checks.sh SSH_PORT HTTP_PORT DB_USER DB_NAME      (the site account's password in $B2B_DB_PASSWORD)
# Prints "PASS <check>" or "FAIL <check>: <what was seen>" for every check; verify.yml asserts that
# every check it expects passed.
set -u
ssh_port=$1 http_port=$2 db_user=$3 db_name=$4
report() { if [ "$2" = ok ]; then echo "PASS $1"; else echo "FAIL $1: $(printf '%s' "$3" | tr '\n' ' ' | cut -c1-300)"; fi; }
expect() { if grep -Eq -- "$2" <<<"$3"; then report "$1" ok; else report "$1" no "$3"; fi; }
sql() { mysql --batch --skip-column-names -e "$1" 2>&1; }

# --- packages: lighttpd, never Apache or NGINX ------------------------------------------------------
installed() { dpkg-query -W -f '${Package} ${Status}\n' "$@" 2>/dev/null | awk '/install ok installed/ {print $1}' | sort | tr '\n' ' '; }
expect packages_installed '^lighttpd mariadb-server php-fpm wordpress $' "$(installed lighttpd php-fpm mariadb-server wordpress)"
expect no_apache_nginx '^$' "$(dpkg -l 'apache2*' 'libapache2*' 'nginx*' 2>/dev/null | awk '/^ii/ {print $2}' | tr '\n' ' ')"

# --- listeners ---------------------------------------------------------------------------------------
web=$(ss -Hltnp "sport = :$http_port")
expect listener_is_lighttpd '^.+$' "$web"
expect listener_only_lighttpd '^$' "$(grep -v 'users:(("lighttpd"' <<<"$web")"
expect mariadb_listens_on_loopback_only '^127\.0\.0\.1:3306 $' "$(ss -Hltn 'sport = :3306' | awk '{print $4}' | tr '\n' ' ')"

# --- MariaDB: who gets in ----------------------------------------------------------------------------
expect mariadb_refuses_root_over_tcp 'Access denied for user .root.' "$(mysql --protocol=TCP -h 127.0.0.1 -u root -e 'SELECT 1' 2>&1)"
expect mariadb_refuses_anonymous 'Access denied for user .b2b_nobody.' "$(mysql --protocol=TCP -h 127.0.0.1 -u b2b_nobody -e 'SELECT 1' 2>&1)"
expect mariadb_no_anonymous_account '^0$' "$(sql "SELECT COUNT(*) FROM mysql.user WHERE User = ''")"
expect mariadb_no_remote_root '^0$' "$(sql "SELECT COUNT(*) FROM mysql.user WHERE User = 'root' AND Host NOT IN ('localhost', '127.0.0.1', '::1')")"
expect mariadb_no_test_database '^0$' "$(sql "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'test'")"
# The site's account as WordPress uses it (DB_HOST localhost: the socket), its password from the environment.
expect mariadb_site_account '^[1-9][0-9]*$' "$(MYSQL_PWD=$B2B_DB_PASSWORD mysql --batch --skip-column-names -u "$db_user" "$db_name" -e 'SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()' 2>&1)"
expect mariadb_site_account_confined 'denied' "$(MYSQL_PWD=$B2B_DB_PASSWORD mysql -u "$db_user" mysql -e 'SELECT 1' 2>&1)"

# --- the site's configuration ------------------------------------------------------------------------
expect wp_config_private '^640 root www-data$' "$(stat -c '%a %U %G' /etc/wordpress/config-default.php)"

# --- firewall: SSH and the site, nothing else --------------------------------------------------------
ufw_status=$(ufw status)
expect ufw_active '^Status: active$' "$(head -n1 <<<"$ufw_status")"
expect ufw_only_ssh_and_site "^${ssh_port}/tcp,${http_port}/tcp,${ssh_port}/tcp \\(v6\\),${http_port}/tcp \\(v6\\),\$" \
  "$(awk 'NR > 4 && NF {print $1 ($2 == "(v6)" ? " (v6)" : "")}' <<<"$ufw_status" | tr '\n' ',')"

# --- fail2ban ----------------------------------------------------------------------------------------
expect fail2ban_active '^active$' "$(systemctl is-active fail2ban)"
expect fail2ban_enabled '^enabled$' "$(systemctl is-enabled fail2ban)"
expect fail2ban_sshd_jail 'Currently banned' "$(fail2ban-client status sshd 2>&1)"
expect fail2ban_sshd_port "(^| )${ssh_port}( |\$)" "$(fail2ban-client get sshd action iptables-multiport port 2>&1)"
