# Copyright: (c) 2026, born2beroot.virt contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage pools and volumes: lookups, stream upload/download, content hashes (private API).

Every transfer goes through libvirt streams (virStorageVolUpload/Download), so the same code
works against a local daemon and a remote ``qemu+ssh://`` hypervisor. Public helpers:

- ``find_pool(conn, name)`` / ``find_volume(pool, name)``: lookups (the pool one fails with the
  list of existing pools, the volume one returns None when absent).
- ``upload_to_volume(conn, pool_name, vol_name, data, fmt="raw")``: idempotent "this volume
  holds exactly these bytes" for small payloads (cloud-init seeds).
- ``upload_file_to_volume(conn, pool_name, vol_name, path)``: the same for a local file.
- ``volume_sha256(conn, pool_name, vol_name)``: hash of a volume's bytes, None when absent.
- ``write_volume(conn, pool, vol_name, reader, size, mode)``: the transfer itself (temporary
  volume renamed into place on a local hypervisor), used by the volume module's import_file.
- ``volume_xml``, ``permissions_of``, ``same_bytes``, ``visible_path``, ``sniff_format``: helpers.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import signal
import socket
import threading
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import urlparse
from xml.sax.saxutils import escape

from ansible_collections.born2beroot.virt.plugins.module_utils._libvirt import (
    LibvirtError,
    error_message,
    is_no_such,
    libvirt,
)

CHUNK = 1024 * 1024
DEFAULT_MODE = "0600"
TEMP_PREFIX = ".b2br-upload-"


def find_pool(conn, name):
    """The storage pool called ``name``; LibvirtError naming it and the existing pools if absent."""
    try:
        return conn.storagePoolLookupByName(name)
    except libvirt.libvirtError as exc:
        if not is_no_such(exc, libvirt.VIR_ERR_NO_STORAGE_POOL):
            raise LibvirtError("pool %s: %s" % (name, error_message(exc))) from exc
    existing = sorted(p.name() for p in conn.listAllStoragePools())
    raise LibvirtError("pool: no storage pool named %r; existing pools: %s" % (name, ", ".join(existing) or "(none)"))


def find_volume(pool, name):
    """The volume ``name`` of ``pool``, or None when it does not exist."""
    try:
        return pool.storageVolLookupByName(name)
    except libvirt.libvirtError as exc:
        if is_no_such(exc, libvirt.VIR_ERR_NO_STORAGE_VOL):
            return None
        raise LibvirtError("volume %s: %s" % (name, error_message(exc))) from exc


def physical_size(vol):
    """Bytes the volume's file really has (not its virtual capacity)."""
    return vol.infoFlags(libvirt.VIR_STORAGE_VOL_GET_PHYSICAL)[2]


def volume_xml(name, capacity, fmt="raw", mode=DEFAULT_MODE, backing=None, owner=None, group=None):
    """A <volume> document; ``backing`` is (path, format) for a qcow2 overlay."""
    perms = "<mode>%s</mode>" % escape(mode)
    if owner is not None:
        perms += "<owner>%d</owner>" % owner
    if group is not None:
        perms += "<group>%d</group>" % group
    xml = (
        "<volume><name>%s</name><capacity unit='bytes'>%d</capacity><allocation>0</allocation>"
        "<target><format type='%s'/><permissions>%s</permissions></target>"
        % (escape(name), capacity, escape(fmt), perms)
    )
    if backing:
        xml += "<backingStore><path>%s</path><format type='%s'/></backingStore>" % (
            escape(backing[0]),
            escape(backing[1]),
        )
    return xml + "</volume>"


def _sha256_of(reader):
    digest = hashlib.sha256()
    for chunk in iter(lambda: reader.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def download_sha256(conn, vol):
    """SHA-256 of every byte of ``vol`` as stored (a qcow2 file's bytes, not its guest view).

    A file this process can read directly is hashed in place: streaming it through libvirtd
    costs about five times as long (0.64 s against 0.11 s for a 150 MB image).
    """
    path = visible_path(conn, vol)
    if path is not None:
        try:
            with open(path, "rb") as reader:
                return _sha256_of(reader)
        except OSError:
            pass  # not readable by this user: libvirtd can still send it
    digest = hashlib.sha256()
    stream = conn.newStream(0)
    try:
        vol.download(stream, 0, 0, 0)
        stream.recvAll(lambda _st, chunk, _opaque: digest.update(chunk), None)
        stream.finish()
    except libvirt.libvirtError as exc:
        _abort(stream)
        raise LibvirtError("cannot download volume %s: %s" % (vol.name(), error_message(exc))) from exc
    return digest.hexdigest()


def volume_sha256(conn, pool_name, vol_name):
    """SHA-256 of the bytes of volume ``vol_name`` in ``pool_name``; None if there is no such volume."""
    vol = find_volume(find_pool(conn, pool_name), vol_name)
    return None if vol is None else download_sha256(conn, vol)


def _abort(stream):
    with contextlib.suppress(libvirt.libvirtError):
        stream.abort()


def _send(conn, vol, reader, size, name):
    """Upload into ``vol``; errors name the volume the user asked for (``vol`` may be a temporary one)."""
    stream = conn.newStream(0)
    try:
        vol.upload(stream, 0, size, 0)
        stream.sendAll(lambda _st, nbytes, _opaque: reader.read(min(nbytes, CHUNK)), None)
        stream.finish()
    except libvirt.libvirtError as exc:
        _abort(stream)
        raise LibvirtError("cannot upload to volume %s: %s" % (name, error_message(exc))) from exc


def _delete(vol):
    try:
        vol.delete(0)
    except libvirt.libvirtError as exc:
        raise LibvirtError("cannot delete volume %s: %s" % (vol.name(), error_message(exc))) from exc


def write_volume(conn, pool, vol_name, reader, size, mode=DEFAULT_MODE):
    """Replace (or create) ``vol_name`` with ``size`` bytes read from ``reader``; return the volume.

    When this process sees the pool's directory (a local hypervisor), the bytes go to a
    temporary volume that is renamed over ``vol_name`` once complete: a half-written volume
    is never visible under that name, and the old one stays until the new one is whole.
    SIGTERM and Ctrl-C remove the temporary volume; one whose writer was killed outright
    (SIGKILL, power loss) is removed by the next write to the pool. libvirt has no rename
    call, so against a remote hypervisor the volume is written in place and deleted again if
    the transfer fails. Volumes are created raw and sized to the bytes; dir pools then detect
    the real format (qcow2, iso, ...) when they refresh.
    """
    with _terminate_raises_exit():
        return _write_volume(conn, pool, vol_name, reader, size, mode)


def _write_volume(conn, pool, vol_name, reader, size, mode):
    remove_abandoned_uploads(pool)
    temp = _create(pool, _temp_name(), size, mode)
    local_dir = _visible_dir(conn, temp, size)
    if local_dir is None:
        _delete_quietly(temp)
        old = find_volume(pool, vol_name)
        if old is not None:
            _delete(old)
        target = _create(pool, vol_name, size, mode)
    else:
        target = temp
    try:
        if size:
            _send(conn, target, reader, size, vol_name)
        if local_dir is not None:
            os.replace(target.path(), os.path.join(local_dir, vol_name))
    except BaseException:
        _delete_quietly(target)
        raise
    _refresh(pool)
    return find_volume(pool, vol_name)


def _temp_name():
    # Host and pid in the name let a later run tell an abandoned upload from one in progress.
    return "%s%s-%d-%s" % (TEMP_PREFIX, socket.gethostname(), os.getpid(), uuid.uuid4().hex[:12])


def _writer_is_gone(temp_name):
    """True when ``temp_name`` was written by a process of this host that no longer exists."""
    host, _sep, pid = temp_name[len(TEMP_PREFIX) :].rpartition("-")[0].rpartition("-")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another host's (or an unknown) writer: not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, as another user
    return False


def remove_abandoned_uploads(pool):
    """Delete ``pool``'s temporary upload volumes whose writer has died; their names."""
    removed = []
    for vol in pool.listAllVolumes(0):
        if vol.name().startswith(TEMP_PREFIX) and _writer_is_gone(vol.name()):
            _delete_quietly(vol)
            removed.append(vol.name())
    return removed


@contextlib.contextmanager
def _terminate_raises_exit():
    """While a transfer runs, SIGTERM raises SystemExit so that cleanup code runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _exit(signum, _frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _create(pool, name, size, mode):
    try:
        return pool.createXML(volume_xml(name, size, "raw", mode), 0)
    except libvirt.libvirtError as exc:
        raise LibvirtError("cannot create volume %s in pool %s: %s" % (name, pool.name(), error_message(exc))) from exc


def _visible_dir(conn, vol, size):
    """The directory holding ``vol`` if this process sees the very same file and may write there."""
    path = visible_path(conn, vol)
    if path is None or os.path.getsize(path) != size or not os.access(os.path.dirname(path), os.W_OK):
        return None
    return os.path.dirname(path)


def _refresh(pool):
    # libvirt refreshes the pool in a background thread after an upload; our own refresh
    # waits for the pool lock and also picks up the renamed file.
    try:
        pool.refresh(0)
    except libvirt.libvirtError as exc:
        raise LibvirtError("cannot refresh pool %s: %s" % (pool.name(), error_message(exc))) from exc


def _delete_quietly(vol):
    with contextlib.suppress(libvirt.libvirtError):
        vol.delete(0)


def permissions_of(vol):
    """(mode as '0600', owner uid, group gid) of ``vol``; None for what libvirt does not report."""
    perms = ET.fromstring(vol.XMLDesc(0)).find("target/permissions")
    if perms is None:
        return None, None, None
    mode, owner, group = (perms.findtext(tag) for tag in ("mode", "owner", "group"))
    return (
        None if mode is None else "%04o" % int(mode, 8),
        None if owner is None else int(owner),
        None if group is None else int(group),
    )


def same_bytes(conn, vol, size, sha256):
    """True when ``vol`` holds exactly ``size`` bytes hashing to ``sha256`` (downloads only if sizes match)."""
    return physical_size(vol) == size and download_sha256(conn, vol) == sha256


def content_matches(conn, vol, sha256, size, mode=DEFAULT_MODE):
    """True when ``vol`` already has exactly ``size`` bytes hashing to ``sha256`` and ``mode``."""
    if mode is not None and permissions_of(vol)[0] not in (None, mode):
        return False
    return same_bytes(conn, vol, size, sha256)


def visible_path(conn, vol):
    """``vol``'s path when this process sees the hypervisor's files (local URI), else None."""
    if urlparse(conn.getURI()).hostname:
        return None
    path = vol.path()
    return path if os.path.exists(path) else None


def file_digest(path):
    """(size, sha256 hex) of a local file."""
    with open(path, "rb") as reader:
        return os.fstat(reader.fileno()).st_size, _sha256_of(reader)


def sniff_format(path):
    """'qcow2' when the local file ``path`` starts with the qcow2 magic, else 'raw'."""
    with open(path, "rb") as reader:
        return "qcow2" if reader.read(len(QCOW2_MAGIC)) == QCOW2_MAGIC else "raw"


QCOW2_MAGIC = b"QFI\xfb"
UPLOAD_FORMATS = ("raw", "qcow2")


def check_format(head, fmt, what):
    """Raise LibvirtError unless bytes starting with ``head`` can be a ``fmt`` image."""
    if fmt not in UPLOAD_FORMATS:
        raise LibvirtError("format: %r is not supported for uploads; use one of %s" % (fmt, ", ".join(UPLOAD_FORMATS)))
    if fmt == "qcow2" and not head.startswith(QCOW2_MAGIC):
        raise LibvirtError("format: %s is not a qcow2 image (no qcow2 header)" % what)


def upload_file_to_volume(conn, pool_name, vol_name, path, fmt="raw", mode=DEFAULT_MODE):
    """Make ``vol_name`` hold exactly the bytes of local file ``path``; True when it changed."""
    check_format(b"QFI\xfb" if sniff_format(path) == "qcow2" else b"", fmt, path)
    size, sha256 = file_digest(path)
    with open(path, "rb") as reader:
        return _upload(conn, pool_name, vol_name, reader, size, sha256, mode)


def upload_to_volume(conn, pool_name, vol_name, data, fmt="raw", mode=DEFAULT_MODE):
    """Make ``vol_name`` in ``pool_name`` hold exactly ``data`` (bytes), mode 0600 by default.

    ``fmt`` is the format the bytes are in (raw or qcow2; qcow2 is checked for its header).
    Creates the volume, or replaces it only when its bytes (or mode) differ; returns True
    when something changed. Raises LibvirtError naming the pool (and listing the existing
    ones) when ``pool_name`` does not exist. Works over remote connections (streams).
    """
    check_format(data[: len(QCOW2_MAGIC)], fmt, "the data")
    return _upload(conn, pool_name, vol_name, io.BytesIO(data), len(data), hashlib.sha256(data).hexdigest(), mode)


def _upload(conn, pool_name, vol_name, reader, size, sha256, mode):
    pool = find_pool(conn, pool_name)
    vol = find_volume(pool, vol_name)
    if vol is not None and content_matches(conn, vol, sha256, size, mode):
        return False
    write_volume(conn, pool, vol_name, reader, size, mode)
    return True
