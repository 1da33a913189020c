# Run by permissions.sh as an ordinary user, on the whole tree: prints a
# "FAIL - ..." line for each thing the user may do that sysfs forbids it,
# or may not do that sysfs allows, then one summary line of counts.
# Python, not shell, for the exact errno of each syscall.
import errno
import os
import stat
import sys

root = os.path.realpath(sys.argv[1])
counts = dict(dirs=0, links=0, read=0, refused_open=0, refused_attr=0)


def fail(what):
    print("FAIL - " + what)


def expect_errno(what, want, fn, *args):
    try:
        fn(*args)
    except OSError as e:
        if e.errno not in want:
            fail("%s: %s, want %s" % (what, errno.errorcode[e.errno],
                                      "/".join(errno.errorcode[w] for w in want)))
        return
    fail("%s: allowed" % what)


def open_close(path, flags):
    os.close(os.open(path, flags))


def check_link(rel, path):
    """The target, resolved as text from the link's directory, stays in
    the tree and names something there."""
    target = os.readlink(path)
    counts["links"] += 1
    if target.startswith("/"):
        fail("%s -> %s: absolute" % (rel, target))
        return
    parts = [p for p in os.path.dirname(rel).split("/") if p]
    for p in target.split("/"):
        if p == "..":
            if not parts:
                fail("%s -> %s: leaves the mount's root" % (rel, target))
                return
            parts.pop()
        elif p not in ("", "."):
            parts.append(p)
    if not os.path.lexists(os.path.join(root, *parts)):
        fail("%s -> %s: names nothing" % (rel, target))


def check_file(rel, path, st):
    mode = stat.S_IMODE(st.st_mode)
    if mode & stat.S_IROTH:
        try:
            with open(path, "rb") as f:
                f.read()
            counts["read"] += 1
        except OSError as e:
            # The kernel's answer for a device without autosuspend: the
            # open is allowed, the show fails.
            if not (rel.endswith("/power/autosuspend_delay_ms") and e.errno == errno.EIO):
                fail("read %s: %s" % (rel, errno.errorcode[e.errno]))
    else:
        expect_errno("read " + rel, (errno.EACCES,), open_close, path, os.O_RDONLY)
    for name, flags in (("write", os.O_WRONLY), ("write+trunc", os.O_WRONLY | os.O_TRUNC),
                        ("rdwr", os.O_RDWR)):
        expect_errno("%s %s" % (name, rel), (errno.EACCES,), open_close, path, flags)
    counts["refused_open"] += 3
    # Not the owner: no chmod, chown, or times of one's choosing; "now"
    # needs write permission.
    expect_errno("chmod " + rel, (errno.EPERM,), os.chmod, path, 0o666)
    expect_errno("chown " + rel, (errno.EPERM,), os.chown, path, os.getuid(), -1)
    expect_errno("utime " + rel, (errno.EPERM,), os.utime, path, (0, 0))
    expect_errno("touch " + rel, (errno.EACCES,), os.utime, path, None)
    counts["refused_attr"] += 4


def main():
    for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: fail(str(e))):
        counts["dirs"] += 1
        reldir = os.path.relpath(dirpath, root)
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(reldir, name))
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                check_link(rel, path)
            elif stat.S_ISREG(st.st_mode):
                check_file(rel, path, st)
        expect_errno("mkdir in " + reldir, (errno.EACCES,), os.mkdir,
                     os.path.join(dirpath, "new"))
    print("walked: %(dirs)d dirs, %(links)d links, %(read)d files read, "
          "%(refused_open)d opens and %(refused_attr)d attribute changes refused"
          % counts)


main()
