#!/usr/bin/python3
# A pyudev monitor of the udev group (what libvirt and udisks hear): one
# line "ACTION DEVPATH SEQNUM" per event in OUT; "ready" on stdout once it
# listens, so a test never sleeps to wait for it.  Ends on SIGTERM.
import signal
import sys

import pyudev

out = open(sys.argv[1], "w", buffering=1)
monitor = pyudev.Monitor.from_netlink(pyudev.Context(), source="udev")
monitor.start()
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("ready", flush=True)
for device in iter(monitor.poll, None):
    out.write("%s %s %s\n" % (device.action, device.device_path,
                              device.get("SEQNUM", "-")))
