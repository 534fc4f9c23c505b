"""Offline stand-in for the get-pip.py script that ansible-test downloads to bootstrap pip.

ansible-test (``--venv``/``--docker``) fetches ``get-pip-<version>.py`` from a host our machines
cannot reach, unless ``~/.ansible/test/cache/get_pip_<version>.py`` already exists. ``make test``
copies this file there under that name, next to the matching pip wheel from PyPI
(``pip download pip==<version>``). Run as get-pip would be, it installs pip from that wheel and
passes every other argument to ``pip install``.
"""

import os
import re
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION = re.search(r"get_pip_(\d+)_(\d+)", os.path.basename(__file__)).group(1, 2)
WHEEL = os.path.join(HERE, "pip-%s.%s-py3-none-any.whl" % VERSION)
GET_PIP_ONLY_FLAGS = ("--no-setuptools", "--no-wheel")


def main():
    if not os.path.exists(WHEEL):
        version = "%s.%s" % VERSION
        sys.exit("offline get-pip shim: %s is missing; run `pip download pip==%s -d %s`" % (WHEEL, version, HERE))
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_FLAGS]
    args = [WHEEL if re.match(r"^pip([=<>!~]|$)", arg) else arg for arg in args]
    sys.path.insert(0, WHEEL)
    sys.argv = ["pip", "install"] + args
    runpy.run_module("pip", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
