#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A service manager's notification socket, as systemd's is for Type=notify:
# an AF_UNIX datagram socket at ADDRESS (a path, or @NAME in the abstract
# namespace).  Each message goes to OUT as "pid=SENDER KEY=VALUE|..." (the
# sender's pid as the kernel attaches it, which is how systemd tells the
# main process); when READY=1 arrives it also writes "ready-saw: NAMES",
# what MOUNT/class/mdev_bus held at that moment.  "ready" on stdout once it
# listens.  Ends on SIGTERM.
import os
import signal
import socket
import struct
import sys

address, out_path, mount = sys.argv[1:4]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind("\0" + address[1:] if address.startswith("@") else address)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
out = open(out_path, "w", buffering=1)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("ready", flush=True)
creds_size = struct.calcsize("3i")
while True:
    msg, anc, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(creds_size))
    pid = "?"
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("3i", data[:creds_size])[0]
    lines = msg.decode().split("\n")
    out.write("pid=%s %s\n" % (pid, "|".join(lines)))
    if "READY=1" in lines:
        names = sorted(os.listdir(os.path.join(mount, "class/mdev_bus")))
        out.write("ready-saw: %s\n" % " ".join(names))
