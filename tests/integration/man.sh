#!/bin/bash
# SPDX-License-Identifier: MIT
# The man pages: each renders with man(1) without a warning, and documents
# what the program says it takes.  The options are read from the --help of
# each command (and of each ctl command), the configuration keys from the
# parser's code, so an option or key added without its page fails here.
# MDEVFS names the binary, MAN_PAGES the built pages, MDEVFS_SRC the source
# tree.  Nothing is mounted: no namespace needed.
# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"
MDEVFS=${MDEVFS:?set MDEVFS to the mdevfs binary}
MAN_PAGES=${MAN_PAGES:?set MAN_PAGES to the built man pages}
MDEVFS_SRC=${MDEVFS_SRC:?set MDEVFS_SRC to the source tree}

tmp=$(mktemp -d /tmp/mdevfs-man-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C.UTF-8

# Every page renders at 80 columns with nothing on stderr (groff's and
# man's warnings included); the text kept for the checks below is one
# line a paragraph, unhyphenated, so that a name is never split.
for page in mdevfs.8 mdevfs-run.1 mdevfs-ctl.8 mdevfs-record.8 mdevfs.conf.5; do
	if [ ! -f "$MAN_PAGES/$page" ]; then
		fail "$page: not built"
		continue
	fi
	MANWIDTH=80 man --warnings -l "$MAN_PAGES/$page" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && [ -s "$tmp/out" ]; then
		ok "$page: renders without warnings"
	else
		fail "$page: man --warnings: rc=$rc: $(head -c 500 "$tmp/err")"
	fi
	MANWIDTH=1000 MANROFFOPT=-rHY=0 man -l "$MAN_PAGES/$page" >"$tmp/$page.txt"
done

# regex_of TEXT: TEXT as a literal in an extended regex
regex_of() {
	# shellcheck disable=SC2016 # the $ is one of regex's
	sed 's/[][\.*^$()+?{}|/]/\\&/g' <<<"$1"
}

# in_page PAGE NAME: NAME is a word of PAGE's text (not part of a longer
# option or key); a NAME= is followed by its value
in_page() {
	local end='([^[:alnum:]_-]|$)'
	[[ $2 == *= ]] && end=''
	grep -qE "(^|[^[:alnum:]_-])$(regex_of "$2")$end" "$tmp/$1.txt"
}

# defined_in PAGE KEY: a line of PAGE starts with KEY (an entry of its
# lists, not a mention); a KEY ending in "." is a prefix (attr.NAME)
defined_in() {
	local end='([[:space:]=,]|$)'
	[[ $2 == *. ]] && end=''
	grep -qE "^[[:space:]]*$(regex_of "$2")$end" "$tmp/$1.txt"
}

# options HELP: the options a --help text lists, long and short, one a
# line: the words that start its option lines (indented at most 6), up
# to the first one that is neither an option nor a METAVAR.
options() {
	grep -E '^ {2,6}-' <<<"$1" | awk '{
		n = split($0, w, /[ ,]+/)
		for (i = 1; i <= n; i++) {
			if (w[i] == "") continue
			if (w[i] ~ /^-/) { sub(/=.*/, "", w[i]); print w[i]; continue }
			if (w[i] ~ /^[A-Z]/) continue
			break
		}
	}'
}

# suboptions HELP: the NAME= of -o's own options (the deeper lines)
suboptions() {
	sed -nE 's/^ {10,}([a-z_]+=).*/\1/p' <<<"$1"
}

# documents PAGE WHAT HELP: every option and -o suboption of HELP is in PAGE
documents() {
	local page=$1 what=$2 help=$3 o n=0
	for o in $(options "$help") $(suboptions "$help"); do
		n=$((n + 1))
		in_page "$page" "$o" || fail "$page: no $o (from $what)"
	done
	# a help that lists nothing is a broken check, not a clean page
	if [ $n -ge 3 ]; then ok "$page: the $n options of $what"; else
		fail "$what: found $n options only"; fi
}

help=$("$MDEVFS" --help)
documents mdevfs.8 "mdevfs --help" "$help"
run_help=$("$MDEVFS" run --help)
documents mdevfs-run.1 "mdevfs run --help" "$run_help"
documents mdevfs-record.8 "mdevfs record --help" "$("$MDEVFS" record --help)"
ctl_help=$("$MDEVFS" ctl --help)
documents mdevfs-ctl.8 "mdevfs ctl --help" "$ctl_help"

# run's help is run's: not the daemon's options
for o in --state-dir --no-state-dir --durable-state --check --foreground; do
	if grep -qe "$o" <<<"$run_help"; then fail "run --help shows $o"; fi
done
expect_eq "run --help: its usage" "$(head -n 1 <<<"$run_help")" \
	"Usage: mdevfs run [OPTIONS] [--] COMMAND [ARGS...]"

# Each ctl command: its usage alone, from --help and from help CMD, with
# no daemon to connect to (there is none at -m, nor at $MDEVFS_CTL); the
# page has an entry for it and its arguments and keys.
mapfile -t commands < <(awk '/^  [a-z]/ { print $1 }' <<<"$ctl_help")
[ "${#commands[@]}" -ge 5 ] || fail "ctl --help: found ${#commands[@]} commands"
for cmd in "${commands[@]}"; do
	out=$(MDEVFS_CTL=mdevfs-ctl:/nonexistent "$MDEVFS" ctl -m /nonexistent \
		"$cmd" --help 2>"$tmp/err")
	rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$tmp/err" ] &&
		[[ $(head -n 1 <<<"$out") == "Usage: mdevfs ctl [-m MOUNTPOINT] $cmd"* ]]; then
		ok "ctl $cmd --help"
	else
		fail "ctl $cmd --help: rc=$rc, '$out', stderr '$(cat "$tmp/err")'"
	fi
	expect_eq "ctl help $cmd" "$(MDEVFS_CTL=mdevfs-ctl:/nonexistent \
		"$MDEVFS" ctl help "$cmd" 2>&1)" "$out"
	# its usage is its entry of the whole help, not a text of its own
	grep -qF -- "$(sed -n 3p <<<"$out" | sed 's/^ *//')" <<<"$ctl_help" ||
		fail "ctl $cmd --help: not the entry of ctl --help"
	defined_in mdevfs-ctl.8 "$cmd" || fail "mdevfs-ctl.8: no entry for $cmd"
	for w in $(head -n 1 <<<"$out" | cut -d' ' -f6- | tr -d '[].') \
		$(grep -oE '\b[a-z]+(_[a-z]+)+\b' <<<"$out"); do
		in_page mdevfs-ctl.8 "$w" || fail "mdevfs-ctl.8: $cmd: no $w"
	done
done
ok "ctl: ${#commands[@]} commands checked"
expect_err "ctl help of no command" "ctl: unknown command 'nope'" \
	"$MDEVFS" ctl help nope
"$MDEVFS" ctl nope --help >/dev/null 2>&1
expect_eq "ctl nope --help: exit status" "$?" 2

# The configuration keys, from the code that reads them: the key
# arguments of the files that read settings (s, "KEY"), the fault
# injection's table, and the prefixes of the keys that name something
# (attr.NAME, module.param.NAME).
cd "$MDEVFS_SRC" || exit 1
mapfile -t readers < <(grep -lE 'mdevfs_settings_' src/*.c backends/*.c)
mapfile -t keys < <({
	grep -ohE '\bs, "[a-z][a-z0-9_.]*"' "${readers[@]}" | cut -d'"' -f2
	grep -ohE '\{ "[a-z][a-z0-9_]*", FIELD\(' "${readers[@]}" | cut -d'"' -f2
	grep -ohE '(has_prefix\(\*k, |prefix\[\] = )"[a-z][a-z0-9_.]*\."' \
		"${readers[@]}" | cut -d'"' -f2
} | sort -u)
if [ "${#keys[@]}" -ge 30 ]; then ok "configuration: ${#keys[@]} keys in the code"
else fail "configuration: found ${#keys[@]} keys only"; fi
missing=()
for k in "${keys[@]}"; do
	defined_in mdevfs.conf.5 "$k" || missing+=("$k")
done
expect_eq "mdevfs.conf.5: every key has an entry" "${missing[*]}" ""

finish
