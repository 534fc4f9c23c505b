# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  uri:
    description:
      - Libvirt connection URI of the hypervisor, for example V(qemu:///system),
        V(qemu+ssh://admin@host/system) or V(test:///default).
    type: str
    default: qemu:///system
requirements:
  - libvirt-python (on the host that runs the module)
"""
