# Runs inside the guest: ssh ... bash -s -- GATEWAY [outside]; prints YAML the target asserts on.
gateway=$1
tcp() { if timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; then echo open; else echo closed; fi; }
echo "hostname: $(hostname)"
echo "user: $(id -un)"
echo "sudo_uid: '$(sudo -n id -u 2>/dev/null || echo none)'"
echo "nproc: $(nproc)"
echo "marker: $(if [ -e ~/after-snapshot ]; then echo present; else echo absent; fi)"
# The control: the network's own dnsmasq answers TCP on port 53, so the probe itself works.
echo "gateway_dns: $(tcp "$gateway" 53)"
[ "${2:-}" = outside ] || exit 0
# The proof: an isolated libvirt network gives no default route, so give the guest one through
# the host's bridge address; the lab's network namespace must still have no way out.
sudo -n ip route replace default via "$gateway"
echo "default_via: '$(ip -4 route show default | awk '{print $3; exit}')'"
echo "outside_dns: $(tcp 1.1.1.1 53)"
