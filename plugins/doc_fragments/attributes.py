# -*- coding: utf-8 -*-
# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # For modules that change things: extend with born2beroot.virt.attributes and set each support.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and predicts exactly what a real run would change, without changing it.
  diff_mode:
    description: Returns what changed (or would change in check mode) as before/after text in diff mode.
  idempotent:
    description: A second run with the same options changes nothing and reports C(changed=false).
"""

    # For modules that support all three fully: extend with born2beroot.virt.attributes.full_support.
    FULL_SUPPORT = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and predicts exactly what a real run would change, without changing it.
    support: full
  diff_mode:
    description: Returns what changed (or would change in check mode) as before/after text in diff mode.
    support: full
  idempotent:
    description: A second run with the same options changes nothing and reports C(changed=false).
    support: full
"""

    # For *_info modules: read-only, so every attribute is fully supported.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    description: Runs normally in check mode; it never changes anything anyway.
    support: full
  diff_mode:
    description: Never changes anything, so there is no diff.
    support: N/A
  idempotent:
    description: Never changes anything.
    support: full
"""
