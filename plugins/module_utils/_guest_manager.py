# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GuestManager: make one libvirt domain match the guest module's options (private API).

Reads the guest, builds the desired definition, defines it only when a managed field
differs, applies what a running guest can take live, moves the guest to the wanted state
and waits for it to be reachable. Every change goes through ``act`` so check mode records
exactly the actions a real run would take, without taking them.
"""

from __future__ import annotations

import contextlib
import time
import xml.etree.ElementTree as ET

from ansible_collections.born2beroot.virt.plugins.module_utils import _guest_xml as gx
from ansible_collections.born2beroot.virt.plugins.module_utils import _seed, _storage
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_compare import (
    changed_fields,
    classify,
    reconcile,
)
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_facts import (
    ACTIVE_STATES,
    state_name,
    to_options,
)
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_host import HostInfo, lookup
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_live import apply_live
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_spec import (
    SpecError,
    normalise,
    resolve_virt_type,
    with_create_defaults,
)
from ansible_collections.born2beroot.virt.plugins.module_utils._guest_wait import (
    WaitTimeout,
    console_tail,
    guest_addresses,
    pick_ip,
    wait_ready,
)
from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import (
    LibvirtError,
    error_message,
    libvirt,
    run_module,
)
from ansible_collections.born2beroot.virt.plugins.module_utils._resource import Manager

INACTIVE = 2  # libvirt.VIR_DOMAIN_XML_INACTIVE, also when libvirt-python is missing
SHUTDOWN_RESEND = 10  # seconds between ACPI power-button presses while waiting


class GuestError(Exception):
    """A failure reported with fail_json; ``facts`` say what exists after it."""

    def __init__(self, msg, **facts):
        super().__init__(msg)
        self.facts = facts


def lookup_domain(conn, name):
    return lookup(conn.lookupByName, name, libvirt.VIR_ERR_NO_DOMAIN)


class GuestManager(Manager):
    """``run()`` returns the guest module's result; raises GuestError, LibvirtError or SpecError."""

    def __init__(self, module, conn):
        super().__init__(module, conn)
        self.name = self.params["name"]
        self.dom = lookup_domain(conn, self.name)
        self.host = HostInfo(conn)
        self.created = False
        self.seed = None
        self.restart_fields = []
        self.changed = []
        self.final_state = state_name(self.dom) if self.dom else "absent"
        self.predicted = ""
        self.facts = {}

    # --- reading ------------------------------------------------------------------------------

    def _inactive_root(self):
        return ET.fromstring(self.dom.XMLDesc(INACTIVE))

    def _active(self):
        return self.final_state in ACTIVE_STATES

    def _virt_type(self, existing):
        requested = self.params.get("virt_type")
        if requested is None and existing:
            return existing["virt_type"]
        arch = self.params.get("arch") or existing.get("arch") or "x86_64"
        kvm = requested in (None, "auto") and self.params.get("allow_kvm") and self.host.kvm_advertised(arch)
        return resolve_virt_type(requested, kvm, self.params.get("allow_kvm"))

    # --- desired definition -------------------------------------------------------------------

    def _plan_seed(self, spec, existing):
        cloud_init = self.params.get("cloud_init")
        if cloud_init is None:
            return None
        if _seed.pycdlib is None:
            raise GuestError("cloud_init needs the Python library pycdlib on the host running the module")
        data = _seed.build_seed(_seed.seed_files(self.name, cloud_init))
        pool = self.params.get("seed_pool") or next(
            (
                d["source"]["pool"]
                for d in spec["disks"] or existing.get("disks") or []
                if d["source"]["type"] == "volume" and d["device"] == "disk"
            ),
            "default",
        )
        volume = self.name + "-seed.iso"
        # A read-only virtio disk, not a SATA CD-ROM: cloud kernels (Debian's linux-image-cloud,
        # genericcloud images) have no AHCI driver, and NoCloud finds the `cidata` label on any disk.
        disk = dict(
            device="disk",
            source=dict(type="volume", pool=pool, volume=volume),
            bus="virtio",
            target=None,
            readonly=True,
            format="raw",
        )
        disks = spec["disks"] if spec["disks"] is not None else [dict(d) for d in existing.get("disks") or []]
        if not any(d["source"] == disk["source"] for d in disks):
            disks.append(disk)
        spec.update(disks=disks, cloud_init=_seed.sha256(data))
        vol = self.host.volume(pool, volume, "seed_pool", must_exist=False)
        upload = vol is None or existing.get("cloud_init") != spec["cloud_init"] or vol.info()[1] != len(data)
        return dict(pool=pool, volume=volume, data=data, upload=upload, existed=vol is not None)

    def desired(self, existing):
        spec = normalise(self.params, self._virt_type(existing))
        self.seed = self._plan_seed(spec, existing)
        if not existing:
            spec = with_create_defaults(spec)
        aliases = self.host.machine_aliases(spec.get("arch") or existing.get("arch")) if spec.get("machine") else {}
        desired = reconcile(spec, existing, aliases)
        self.host.resolve_new_devices(desired, existing, self.seed)
        return desired

    # --- define / update ----------------------------------------------------------------------

    def _upload_seed(self):
        if self.seed and self.seed["upload"]:
            seed = self.seed
            self.act(
                "upload cloud-init seed %s/%s" % (seed["pool"], seed["volume"]),
                _storage.upload_to_volume,
                self.conn,
                seed["pool"],
                seed["volume"],
                seed["data"],
                "raw",
            )

    def _define(self, description, root):
        self.act(description, self.conn.defineXML, gx.to_xml(root))
        if not self.check_mode:
            self.dom = lookup_domain(self.conn, self.name)

    def present(self):
        existing_root = self._inactive_root() if self.dom else None
        existing = gx.parse_domain(existing_root) if self.dom else {}
        desired = self.desired(existing)
        if self.dom is None:
            root = gx.build_domain(desired)
            self.changed = ["created"]
            self.predicted = gx.to_xml(root)
            self._upload_seed()
            try:
                self._define("define guest", root)
            except LibvirtError:
                if not self._defined_meanwhile():
                    raise
                return self.present()
            self.created = True
            self.final_state = "shutoff"
        else:
            overrides_ok = gx.overrides_applied(existing_root, desired.get("xml_overrides"))
            self.changed = changed_fields(desired, existing, overrides_ok)
            self.predicted = gx.to_xml(existing_root)
            self._upload_seed()
            if self.changed:
                self._update(existing_root, existing, desired)
        self._autostart()

    def _defined_meanwhile(self):
        """True when another run defined the guest between our lookup and our define (libvirt
        refuses a second definition of the name): then this run goes on as if it had found it."""
        self.dom = lookup_domain(self.conn, self.name)
        if self.dom is None:
            return False
        self.actions.remove("define guest")
        self.changed = []
        self.final_state = state_name(self.dom)
        return True

    def _update(self, existing_root, existing, desired):
        root = gx.merge_domain(existing_root, desired, self.changed)
        self.predicted = gx.to_xml(root)
        live, restart = [], []
        if self._active():
            max_vcpus = self.dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_VCPU_MAXIMUM)
            live, restart = classify(self.changed, desired, existing, self.dom.maxMemory(), max_vcpus)
        self._define("update definition: %s" % ", ".join(self.changed), root)
        for field in live:
            try:
                self.act("change %s of the running guest" % field, apply_live, self.dom, field, desired, existing)
            except LibvirtError as exc:
                self.actions.pop()
                restart.append(field)
                self.warn(
                    "%s could not be changed on the running guest and applies at its next start: %s"
                    % (field, error_message(exc.__cause__))
                )
        self.restart_fields = restart

    def _autostart(self):
        wanted = self.params.get("autostart")
        current = bool(self.dom.autostart()) if self.dom is not None else False
        if wanted is not None and wanted != current:
            self.act("%s autostart" % ("enable" if wanted else "disable"), self._call, "setAutostart", int(wanted))

    # --- state transitions --------------------------------------------------------------------

    def _start(self):
        try:
            self.act("start guest", self._call, "create")
        except LibvirtError as exc:
            if not self.created:
                raise GuestError(str(exc), exists=True, state=state_name(self.dom)) from exc
            self._undefine_quietly()
            raise GuestError("%s; the new guest was removed again, nothing of it is left" % exc, exists=False) from exc
        self.final_state = "running"
        self.restart_fields = []

    def _call(self, method, *args):
        """self.dom.<method>(*args), looked up when the action runs (a new guest has no domain yet)."""
        return getattr(self.dom, method)(*args)

    def _undefine(self):
        self.dom.undefineFlags(self.host.undefine_flags(self.dom))

    def _undefine_quietly(self):
        """Remove what this run created (the guest, a new seed volume) after its start failed."""
        with contextlib.suppress(libvirt.libvirtError, LibvirtError):
            self._undefine()
        if self.seed and not self.seed["existed"]:
            with contextlib.suppress(libvirt.libvirtError, LibvirtError):
                self.host.delete_volume(self.seed["pool"], self.seed["volume"])

    def _stop(self):
        force, timeout = self.params["force"], self.params["shutdown_timeout"]
        if self.final_state == "paused":
            self.act("resume guest to shut it down", self._call, "resume")
        self.act("shut down guest (ACPI or guest agent)", self._shutdown, timeout)
        if not self.check_mode and self.dom.isActive():
            if not force:
                raise GuestError(
                    "guest %s did not shut down within shutdown_timeout=%ss; it is still running. "
                    "Set force: true to power it off after the timeout" % (self.name, timeout),
                    exists=True,
                    state=state_name(self.dom),
                    **self._changes(),
                )
            self.act("power off guest (forced after %ss)" % timeout, self._call, "destroy")
        self.final_state = "shutoff"

    def _shutdown(self, timeout):
        deadline = time.monotonic() + timeout
        pressed = 0.0
        while self.dom.isActive() and time.monotonic() < deadline:
            if time.monotonic() - pressed >= SHUTDOWN_RESEND:
                try:
                    self.dom.shutdown()
                except libvirt.libvirtError:
                    if not self.dom.isActive():
                        break
                    raise
                pressed = time.monotonic()
            time.sleep(0.25)

    def reach(self, state):
        current = self.final_state
        if state == "running":
            if current == "paused":
                self.act("resume guest", self._call, "resume")
                self.final_state = "running"
            elif current == "pmsuspended":
                self.act("wake up guest", self._call, "pMWakeup", 0)
                self.final_state = "running"
            elif not self._active():
                self._start()
        elif state == "stopped" and self._active():
            self._stop()
        elif state == "paused" and current != "paused":
            if not self._active():
                self._start()
            self.act("pause guest", self._call, "suspend")
            self.final_state = "paused"
        elif state == "restarted":
            if self._active():
                self._stop()
            self._start()

    # --- absent -------------------------------------------------------------------------------

    def absent(self):
        if self.dom is None:
            self.facts["removed_volumes"] = []
            return
        parsed = gx.parse_domain(self._inactive_root())
        volumes, outside = self.host.guest_volumes(parsed, self.name + "-seed.iso")
        if not self.params["remove_storage"]:
            volumes, outside = [], []
        for path in outside:
            self.warn("remove_storage: %s is in no libvirt storage pool; it was not deleted" % path)
        if self._active():
            self.act("power off guest", self._call, "destroy")
        self.act("undefine guest", self._undefine)
        for pool, volume in volumes:
            self.act("delete volume %s/%s" % (pool, volume), self.host.delete_volume, pool, volume)
        self.facts["removed_volumes"] = ["%s/%s" % v for v in volumes]
        self.final_state = "absent"

    # --- readiness and result -----------------------------------------------------------------

    def readiness(self, state):
        if self.dom is None or not self._active():
            return
        sources, params = self.params["address_sources"], self.params
        macs = [n["mac"] for n in gx.parse_domain(self._inactive_root())["interfaces"]]
        if self.check_mode or state not in ("running", "restarted") or params["wait_for"] == "none":
            addresses = guest_addresses(self.dom, sources) if self.dom.isActive() else []
            ip, port = pick_ip(addresses, macs), params["wait_port"][0]
        else:
            try:
                addresses, ip, port = wait_ready(
                    self.dom, params["wait_for"], params["wait_timeout"], sources, params["wait_port"], macs
                )
            except WaitTimeout as exc:
                console = console_tail(gx.parse_domain(self._inactive_root())["serial_log"])
                raise GuestError(
                    "guest %s is running but not ready: %s; it is left defined and running for inspection. %s"
                    % (self.name, exc, console),
                    exists=True,
                    state=state_name(self.dom),
                    **self._changes(),
                ) from exc
        self.facts.update(addresses=addresses, ip=ip)
        if ip:
            config = dict(instance=self.name, address=ip, port=port, user=params["ssh_user"])
            if params.get("ssh_identity_file"):
                config["identity_file"] = params["ssh_identity_file"]
            self.facts["instance_config"] = config

    def _changes(self):
        return dict(changed=bool(self.actions), actions=list(self.actions))

    def run(self):
        state = self.params["state"]
        before = gx.normalise_xml(self.dom.XMLDesc(INACTIVE)) if self.dom else ""
        if state == "absent":
            self.absent()
        else:
            self.present()
            self.reach(state)
            self.readiness(state)
        if state == "absent":
            after = ""
        elif self.check_mode:
            after = self.predicted
        else:
            after = gx.normalise_xml(self.dom.XMLDesc(INACTIVE))
        self.before, self.after = before, after
        active = self._active()
        self.facts.update(
            name=self.name,
            state=self.final_state,
            changed_fields=[f for f in self.changed if f != "created"],
            restart_fields=self.restart_fields if active else [],
            restart_required=bool(self.restart_fields) and active,
            guest=to_options(gx.parse_domain(after)) if after else {},
        )
        if self.seed:
            self.facts["seed"] = dict(
                pool=self.seed["pool"], volume=self.seed["volume"], sha256=_seed.sha256(self.seed["data"])
            )
        return self.result(**self.facts)


def run_guest_module(module, work, readonly=False):
    """Run ``work(conn)`` for guest and guest_info; GuestError also reports what exists."""
    run_module(module, work, readonly=readonly, user_errors=(GuestError, SpecError))
