# What one syscall answers, as the errno's name: sourced by the shell tests
# (lib.sh) and by the scripts they run inside `mdevfs run`.
# shellcheck shell=bash

# write_errno FILE TEXT: one write(2) of TEXT, as mdevctl and the kernel's
# sysfs see it: OK or the errno's name (ENOSPC, EUSERS, ...).
write_errno() {
	python3 -c '
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    os.write(fd, sys.argv[2].encode())
    print("OK")
except OSError as e:
    print(errno.errorcode[e.errno])
' "$1" "$2"
}

# read_errno FILE: what a read gives, or its errno's name.
read_errno() {
	python3 -c '
import errno, sys
try:
    print(open(sys.argv[1]).read(), end="")
except OSError as e:
    print(errno.errorcode[e.errno])
' "$1"
}
