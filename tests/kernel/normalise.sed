# normalise.sed: what compare.sh changes in both the kernel's recording
# and mdevfs's output before they are compared (sed -E).  Only what must
# differ between two runs of the same system, each rule with its reason.

# SEQNUM: one counter of the whole kernel, counting every uevent since
# boot (kuev checks that each is above the one before it and says so when
# not: "SEQNUM not increasing at event K").
s/( SEQNUM=)[0-9]+/\1N/g
