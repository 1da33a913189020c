# excuse.awk: applies the table of known differences (tests/kernel/
# differences, its format described at its top) to one side of one
# scenario's output.
#
#   awk -v table=DIFFERENCES -v scenario=NAME -v side=-|+ -v used=FILE \
#       -v excused=FILE2 -f excuse.awk OUTPUT
#
# Prints OUTPUT less the lines that an entry excuses for this scenario and
# side (side "-": the kernel's recording, "+": mdevfs's output), and
# appends to FILE one line per pattern of this scenario and side:
# "COUNT<TAB>TABLE_LINE<TAB>ENTRY<TAB>PATTERN", COUNT the lines it
# excused, and to FILE2 each excused line after its entry's name and a
# TAB, in order (so that an entry whose lines have come to agree on both
# sides is found).  A malformed table is reported on stderr with exit status 2.
function bad(msg) {
	printf "%s:%d: %s\n", table, tline, msg > "/dev/stderr"
	broken = 1
}
function close_entry() {
	if (entry != "" && !prose)
		bad("entry " entry " says nothing about the difference")
	if (entry != "" && !patterns)
		bad("entry " entry " excuses no line")
}
BEGIN {
	np = 0
	entry = ""
	while ((getline l < table) > 0) {
		tline++
		if (l ~ /^#/ || l ~ /^[ \t]*$/)
			continue
		if (l ~ /^== /) {
			close_entry()
			entry = substr(l, 4)
			sub(/:.*/, "", entry)
			kind = l
			sub(/^== [^:]*: */, "", kind)
			if (entry !~ /^[a-z0-9][a-z0-9-]*$/)
				bad("an entry's name is lower case, digits and dashes: " entry)
			if (names[entry]++)
				bad("a second entry " entry)
			if (kind !~ /^(FUSE|DESIGN|RACE|OPEN issue [0-9]+( item [0-9]+)?)( |$)/)
				bad("entry " entry ": say FUSE, DESIGN, RACE or OPEN issue N item M, not \"" kind "\"")
			prose = patterns = 0
			continue
		}
		if (entry == "") {
			bad("a line before the first entry")
			continue
		}
		if (match(l, /^[0-9][0-9a-z,-]* [-+] /)) {
			patterns++
			split(substr(l, 1, RLENGTH - 3), scen, ",")
			s = substr(l, RLENGTH - 1, 1)
			re = substr(l, RLENGTH + 1)
			if (re == "") {
				bad("an empty pattern")
				continue
			}
			for (i in scen)
				if (scen[i] == scenario && s == side) {
					np++
					pat[np] = "^(" re ")$"
					src[np] = re
					at[np] = tline
					who[np] = entry
					count[np] = 0
				}
			continue
		}
		prose++
	}
	close_entry()
	if (broken)
		exit 2
}
{
	for (i = 1; i <= np; i++)
		if ($0 ~ pat[i]) {
			count[i]++
			print who[i] "\t" $0 >> excused
			next
		}
	print
}
END {
	if (broken)
		exit 2
	for (i = 1; i <= np; i++)
		printf "%d\t%d\t%s\t%s\n", count[i], at[i], who[i], src[i] >> used
}
