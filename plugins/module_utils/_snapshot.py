# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guest snapshots: the manager behind born2beroot.virt.snapshot (private API)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import (
    URI_ARGUMENT_SPEC,
    LibvirtError,
    libvirt,
)
from ansible_collections.born2beroot.virt.plugins.module_utils._resource import Manager, check_name, lookup_or_none

ARGUMENT_SPEC = dict(
    URI_ARGUMENT_SPEC,
    guest=dict(type="str", required=True),
    name=dict(type="str", required=True),
    description=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent", "reverted"]),
)


def snapshot_facts(snap):
    """Name, description, the guest's state when taken, creation time, parent and current flag of a snapshot."""
    root = ET.fromstring(snap.getXMLDesc(0))
    created = root.findtext("creationTime")
    return dict(
        name=root.findtext("name"),
        description=root.findtext("description"),
        domain_state=root.findtext("state"),
        creation_time=None if created is None else int(created),
        parent=root.findtext("parent/name"),
        current=bool(snap.isCurrent(0)),
    )


def snapshot_xml(name, description):
    root = ET.Element("domainsnapshot")
    ET.SubElement(root, "name").text = name
    if description:
        ET.SubElement(root, "description").text = description
    return ET.tostring(root, encoding="unicode")


class SnapshotManager(Manager):
    def __init__(self, module, conn):
        super().__init__(module, conn)
        self.name = check_name(self.params["name"], "name")
        self.domain = self._domain(self.params["guest"])
        self.snap = self._snapshot()

    def _domain(self, guest):
        domain = lookup_or_none(self.conn.lookupByName, libvirt.VIR_ERR_NO_DOMAIN, guest)
        if domain is not None:
            return domain
        names = sorted(dom.name() for dom in self.conn.listAllDomains(0))
        raise LibvirtError("guest: no guest named %r; existing guests: %s" % (guest, ", ".join(names) or "(none)"))

    def _snapshot(self):
        return lookup_or_none(self.domain.snapshotLookupByName, libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT, self.name, 0)

    def run(self):
        current = dict(state="absent") if self.snap is None else dict(snapshot_facts(self.snap), state="present")
        self.before = {key: current.get(key) for key in ("state", "description")}
        getattr(self, "_" + self.params["state"])(current)
        return self.result(snapshot=self._facts(), snapshots=self._list())

    def _present(self, current):
        description = self.params["description"]
        if self.snap is None:
            self.act(
                "create snapshot %s of guest %s" % (self.name, self.domain.name()),
                self.domain.snapshotCreateXML,
                snapshot_xml(self.name, description),
                libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC,
            )
        elif description is not None and (current["description"] or "") != description:
            self.act("change the description of snapshot %s" % self.name, self._redefine, description)
        self.after = dict(
            state="present", description=current.get("description") if description is None else description or None
        )

    def _redefine(self, description):
        root = ET.fromstring(self.snap.getXMLDesc(libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE))
        node = root.find("description")
        if node is None:
            node = ET.Element("description")
            root.insert(1, node)
        node.text = description
        if not description:
            root.remove(node)
        self.domain.snapshotCreateXML(
            ET.tostring(root, encoding="unicode"), libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
        )

    def _absent(self, current):
        if self.snap is not None:
            self.act("delete snapshot %s of guest %s" % (self.name, self.domain.name()), self.snap.delete, 0)
        self.after = dict(state="absent", description=None)

    def _reverted(self, current):
        if self.snap is None:
            raise LibvirtError(
                "name: guest %s has no snapshot %r; existing snapshots: %s"
                % (self.domain.name(), self.name, ", ".join(self._names()) or "(none)")
            )
        self.act(
            "revert guest %s to snapshot %s" % (self.domain.name(), self.name),
            self.domain.revertToSnapshot,
            self.snap,
            0,
        )
        self.after = dict(state="present", description=current["description"])

    def _names(self):
        return sorted(snap.getName() for snap in self.domain.listAllSnapshots(0))

    def _facts(self):
        if self.check_mode or self.params["state"] == "absent":
            return dict(self.after, name=self.name, guest=self.domain.name())
        snap = self._snapshot()
        return dict(snapshot_facts(snap), state="present", guest=self.domain.name())

    def _list(self):
        """Every snapshot of the guest after the task, oldest first (predicted in check mode)."""
        snaps = sorted(
            (snapshot_facts(snap) for snap in self.domain.listAllSnapshots(0)),
            key=lambda facts: (facts["creation_time"] or 0, facts["name"]),
        )
        if self.check_mode:
            snaps = [facts for facts in snaps if facts["name"] != self.name or self.after["state"] == "present"]
            if self.snap is None and self.after["state"] == "present":
                snaps.append(
                    dict(
                        name=self.name,
                        description=self.after["description"],
                        domain_state=None,
                        creation_time=None,
                        parent=None,
                        current=True,
                    )
                )
        return snaps
