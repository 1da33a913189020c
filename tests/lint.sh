#!/bin/bash
# Static checks the code is held to, no warnings allowed: shellcheck
# (.shellcheckrc) over every shell script, cppcheck and clang-tidy
# (.clang-tidy) over the C.  Usage: tests/lint.sh BUILD_DIR (with
# compile_commands.json, which CMake writes).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: $0 BUILD_DIR}

# Every file of the project, tracked by git or (no git) on disk.
project_files() {
	git ls-files 2>/dev/null ||
		find . \( -name 'build*' -o -name .git \) -prune -o -type f -print |
		sed 's|^\./||'
}

# The shell scripts: *.sh, and those whose first line names a shell
# (.ci/run).
shell_scripts() {
	local f
	project_files | while read -r f; do
		case $f in
		*.sh) echo "$f" ;;
		*) head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*\b(ba|da)?sh( .*)?$' && echo "$f" ;;
		esac
	done
}

mapfile -t scripts < <(shell_scripts)
shellcheck "${scripts[@]}"
echo "shellcheck: clean (${#scripts[@]} scripts)"

mapfile -t files < <(project_files | grep -E '^(src|fs|backends|testbed|tests|examples|bench)/.*\.c$')

# unusedStructMember: wire formats (netlink headers) are written, not read.
cppcheck --enable=warning,style,performance,portability --std=c11 \
	--inline-suppr --quiet --error-exitcode=1 \
	--suppress=unusedStructMember:fs/daemon/uevent_netlink.c \
	--suppress=missingIncludeSystem -I include -I src/include -I src -I src/util \
	-I backends -I fs/fuse -I fs/daemon -I fs/cli \
	-D_GNU_SOURCE -DFUSE_USE_VERSION=314 -DMDEVFS_VERSION='"lint"' -DMDEVFS_PLUGINDIR='"lint"' -DMDEVFS_PLUGINDIR_REL='"lint"' \
	"${files[@]}"
echo "cppcheck: clean"
rc=0
out=$(clang-tidy -p "$build" --quiet "${files[@]}" 2>&1) || rc=$?
grep -v "warnings generated" <<<"$out" || true
[ "$rc" -eq 0 ] || exit "$rc"
echo "clang-tidy: clean"
