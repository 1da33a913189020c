#!/bin/bash
# The checks of one vendor profile (examples/profiles/NAME.conf), inside
# `mdevfs run -c` that profile (see profiles.sh): what mdevctl 1.2.0 shows
# and does on a host with that vendor's hardware, and the vendor's limit.
# shellcheck shell=bash
set -u
profile=$1
CHECKS_PREFIX="$profile: "
# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"
# available PARENT TYPE...: the types' available_instances, space-separated
available() {
	local p=$1 t out=()
	shift
	for t in "$@"; do
		out+=("$(cat "/sys/class/mdev_bus/$p/mdev_supported_types/$t/available_instances")")
	done
	echo "${out[*]}"
}
devices() { find /sys/bus/mdev/devices -mindepth 1 -maxdepth 1 | wc -l; }
stop_all() {
	local d
	for d in /sys/bus/mdev/devices/*; do
		[ -e "$d" ] && mdevctl stop -u "${d##*/}"
	done
}

# Intel GVT-g: four types sharing the GPU's graphics memory; ENOSPC from
# the vendor when a vGPU does not fit.
check_intel_gvtg() {
	local p=0000:00:02.0 t=(i915-GVTg_V5_1 i915-GVTg_V5_2 i915-GVTg_V5_4 i915-GVTg_V5_8)
	local u4 u1 lost=aaaaaaaa-2222-4333-8444-555555555555

	expect_out "mdevctl types" "$p
  i915-GVTg_V5_1
    Available instances: 1
    Device API: vfio-pci
    Name: GVTg_V5_1
    Description: low_gm_size: 512MB, high_gm_size: 2048MB, fence: 4, resolution: 1920x1200, weight: 16
  i915-GVTg_V5_2
    Available instances: 2
    Device API: vfio-pci
    Name: GVTg_V5_2
    Description: low_gm_size: 256MB, high_gm_size: 1024MB, fence: 4, resolution: 1920x1200, weight: 8
  i915-GVTg_V5_4
    Available instances: 5
    Device API: vfio-pci
    Name: GVTg_V5_4
    Description: low_gm_size: 128MB, high_gm_size: 512MB, fence: 4, resolution: 1920x1200, weight: 4
  i915-GVTg_V5_8
    Available instances: 7
    Device API: vfio-pci
    Name: GVTg_V5_8
    Description: low_gm_size: 64MB, high_gm_size: 384MB, fence: 4, resolution: 1024x768, weight: 2" \
		mdevctl types
	expect_eq "description file, as kvmgt prints it" \
		"$(od -An -c "/sys/class/mdev_bus/$p/mdev_supported_types/i915-GVTg_V5_4/description" | tr -s ' ')" \
		"$(printf 'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4\n' | od -An -c | tr -s ' ')"
	expect_eq "parent on the PCI bus" "$(readlink -f /sys/class/mdev_bus/$p)" "/sys/devices/pci0000:00/$p"

	u4=$(mdevctl start -p $p -t i915-GVTg_V5_4)
	expect_out "mdevctl list" "$u4 $p i915-GVTg_V5_4 manual" mdevctl list
	expect_eq "its driver" "$(basename "$(readlink "/sys/bus/mdev/devices/$u4/driver")")" intel_vgpu_mdev
	expect_eq "available after a V5_4, as intel_vgpu_get_available" "$(available $p "${t[@]}")" "1 2 4 5"
	u1=$(mdevctl start -p $p -t i915-GVTg_V5_1)
	expect_eq "available after a V5_1: high GM exhausted" "$(available $p "${t[@]}")" "0 0 0 0"
	expect_out "mdevctl refuses a V5_8" "Error: No available instances of i915-GVTg_V5_8 on $p" \
		mdevctl start -p $p -t i915-GVTg_V5_8
	expect_eq "a create that does not fit: ENOSPC from the vendor" \
		"$(write_errno /sys/class/mdev_bus/$p/mdev_supported_types/i915-GVTg_V5_8/create $lost)" ENOSPC
	expect_eq "and nothing left of it" "$(devices)" 2
	mdevctl stop -u "$u1"
	expect_eq "available after stopping the V5_1" "$(available $p "${t[@]}")" "1 2 4 5"
	mdevctl stop -u "$u4"
	expect_eq "available on an idle GPU again" "$(available $p "${t[@]}")" "1 2 5 7"
	expect_out "mdevctl list after stop" "" mdevctl list
}

# s390 vfio-ccw: one device per subchannel, EUSERS from the core.
check_vfio_ccw() {
	local p u d=bbbbbbbb-2222-4333-8444-555555555555 lost=cccccccc-2222-4333-8444-555555555555
	local want="" log
	log=$(mktemp)

	for p in 0.0.0313 0.0.0314 0.0.26ab; do
		want+="$p
  vfio_ccw-io
    Available instances: 1
    Device API: vfio-ccw
    Name: I/O subchannel (Non-QDIO)
"
	done
	expect_out "mdevctl types" "${want%$'\n'}" mdevctl types
	expect_eq "a subchannel on the css bus" "$(readlink -f /sys/class/mdev_bus/0.0.0313)" /sys/devices/css0/0.0.0313
	expect_eq "no description, as vfio_ccw has none" \
		"$(ls /sys/class/mdev_bus/0.0.0313/mdev_supported_types/vfio_ccw-io)" \
		"$(printf '%s\n' available_instances create device_api devices name)"

	udevadm monitor --kernel --subsystem-match=mdev >"$log" 2>&1 &
	local monitor=$!
	sleep 0.3
	u=$(mdevctl start -p 0.0.0313 -t vfio_ccw-io)
	expect_out "mdevctl list" "$u 0.0.0313 vfio_ccw-io manual" mdevctl list
	expect_eq "libvirt's device_api" "$(cat "/sys/bus/mdev/devices/$u/mdev_type/device_api")" vfio-ccw
	expect_eq "available: 0 on that subchannel, 1 on the others" \
		"$(available 0.0.0313 vfio_ccw-io) $(available 0.0.0314 vfio_ccw-io) $(available 0.0.26ab vfio_ccw-io)" "0 1 1"
	expect_out "mdevctl refuses a second device" "Error: No available instances of vfio_ccw-io on 0.0.0313" \
		mdevctl start -p 0.0.0313 -t vfio_ccw-io
	expect_eq "a second create on a subchannel: EUSERS" \
		"$(write_errno /sys/class/mdev_bus/0.0.0313/mdev_supported_types/vfio_ccw-io/create $lost)" EUSERS

	# A definition started when its subchannel's parent comes up, as
	# udev's rule does at boot.
	expect_out "mdevctl define --auto" "" mdevctl define -u $d -p 0.0.26ab -t vfio_ccw-io --auto
	expect_out "mdevctl start-parent-mdevs" "" mdevctl start-parent-mdevs 0.0.26ab
	expect_out "mdevctl list" "$u 0.0.0313 vfio_ccw-io manual
$d 0.0.26ab vfio_ccw-io auto (defined)" mdevctl list
	stop_all
	mdevctl undefine -u $d
	expect_eq "available again" \
		"$(available 0.0.0313 vfio_ccw-io) $(available 0.0.26ab vfio_ccw-io)" "1 1"
	sleep 0.3
	kill $monitor
	if grep -q "KERNEL.*bind.*/devices/css0/0.0.0313/$u (mdev)" "$log"; then
		ok "udevadm monitor: bind below the subchannel"
	else
		fail "no bind event: $(cat "$log")"
	fi
	rm -f "$log"
}

# s390 vfio-ap: the matrix device, adapters and domains assigned through
# attributes that mdevctl writes from a definition.
check_vfio_ap() {
	local a=dddddddd-2222-4333-8444-555555555555 b=eeeeeeee-2222-4333-8444-555555555555
	local dev=/sys/bus/mdev/devices/$a zero
	zero=0x$(printf '0%.0s' $(seq 64))

	expect_out "mdevctl types" "matrix
  vfio_ap-passthrough
    Available instances: 65536
    Device API: vfio-ap
    Name: VFIO AP Passthrough Device" mdevctl types
	expect_eq "the matrix device" "$(readlink -f /sys/class/mdev_bus/matrix)" /sys/devices/vfio_ap/matrix

	mdevctl define -u $a -p matrix -t vfio_ap-passthrough
	mdevctl modify -u $a --addattr=assign_adapter --value=5
	mdevctl modify -u $a --addattr=assign_domain --value=0x47
	mdevctl modify -u $a --addattr=assign_control_domain --value=0x47
	expect_out "mdevctl start of the definition" "" mdevctl start -u $a
	expect_out "mdevctl list" "$a matrix vfio_ap-passthrough manual (defined)" mdevctl list
	expect_eq "attributes written in the device's directory" \
		"$(cat $dev/assign_adapter $dev/assign_domain $dev/assign_control_domain | xargs)" "5 0x47 0x47"
	expect_eq "the read-only ones" "$(stat -c %a $dev/matrix $dev/guest_matrix $dev/control_domains | xargs)" "444 444 444"
	expect_eq "ap_config starts empty" "$(cat $dev/ap_config)" "$zero,$zero,$zero"
	expect_eq "available_instances" "$(available matrix vfio_ap-passthrough)" 65535

	# libvirt's way: the configuration as JSON on stdin.
	echo '{"mdev_type":"vfio_ap-passthrough","start":"manual","attrs":[{"assign_adapter":"6"},{"assign_domain":"0x48"}]}' |
		mdevctl start --parent=matrix --jsonfile=/dev/stdin --uuid=$b
	expect_eq "start --jsonfile" "$(cat /sys/bus/mdev/devices/$b/assign_adapter /sys/bus/mdev/devices/$b/assign_domain | xargs)" "6 0x48"
	expect_out "an attribute vfio_ap does not have" "Error: Invalid attribute 'assign_adapters'" \
		bash -c "echo '{\"mdev_type\":\"vfio_ap-passthrough\",\"start\":\"manual\",\"attrs\":[{\"assign_adapters\":\"5\"}]}' |
		mdevctl start --parent=matrix --jsonfile=/dev/stdin --uuid=ffffffff-2222-4333-8444-555555555555"
	expect_eq "its device removed" "$(devices)" 2
	mdevctl stop -u $a
	mdevctl stop -u $b
	mdevctl undefine -u $a
	expect_out "mdevctl list after stop" "" mdevctl list
	expect_eq "available_instances again" "$(available matrix vfio_ap-passthrough)" 65536
}

# NVIDIA vGPU on a Tesla P40: types as a real one lists them, framebuffer
# shared by the devices.
check_nvidia_gpu() {
	local p=0000:3b:00.0 u

	# mdevctl/mdevctl#115 quotes these types of an idle P40, verbatim.
	expect_eq "mdevctl types: as mdevctl#115 shows a P40" "$(mdevctl types | sed -n 2,31p)" "  nvidia-156
    Available instances: 12
    Device API: vfio-pci
    Name: GRID P40-2B
    Description: num_heads=4, frl_config=45, framebuffer=2048M, max_resolution=5120x2880, max_instance=12
  nvidia-215
    Available instances: 12
    Device API: vfio-pci
    Name: GRID P40-2B4
    Description: num_heads=4, frl_config=45, framebuffer=2048M, max_resolution=5120x2880, max_instance=12
  nvidia-241
    Available instances: 24
    Device API: vfio-pci
    Name: GRID P40-1B4
    Description: num_heads=4, frl_config=45, framebuffer=1024M, max_resolution=5120x2880, max_instance=24
  nvidia-283
    Available instances: 6
    Device API: vfio-pci
    Name: GRID P40-4C
    Description: num_heads=1, frl_config=60, framebuffer=4096M, max_resolution=4096x2400, max_instance=6
  nvidia-284
    Available instances: 4
    Device API: vfio-pci
    Name: GRID P40-6C
    Description: num_heads=1, frl_config=60, framebuffer=6144M, max_resolution=4096x2400, max_instance=4
  nvidia-285
    Available instances: 3
    Device API: vfio-pci
    Name: GRID P40-8C
    Description: num_heads=1, frl_config=60, framebuffer=8192M, max_resolution=4096x2400, max_instance=3"
	if python3 - <<'EOF'; then ok "mdevctl types --dumpjson: 25 types, the 4Q as quoted"; else fail "mdevctl types --dumpjson"; fi
import json, subprocess
got = json.loads(subprocess.run(["mdevctl", "types", "--dumpjson"], capture_output=True,
                                text=True, check=True).stdout)
types = {k: v for t in got[0]["0000:3b:00.0"] for k, v in t.items()}
assert len(types) == 25, sorted(types)
assert all(t["device_api"] == "vfio-pci" for t in types.values())
assert types["nvidia-49"] == {"available_instances": 6, "device_api": "vfio-pci", "name": "GRID P40-4Q",
    "description": "num_heads=4, frl_config=60, framebuffer=4096M, max_resolution=7680x4320, max_instance=6"}, types["nvidia-49"]
for t in types.values():
    assert t["available_instances"] == int(t["description"].rsplit("=", 1)[1]), t
EOF

	u=$(mdevctl start -p $p -t nvidia-47)
	expect_out "mdevctl list" "$u $p nvidia-47 manual" mdevctl list
	expect_eq "KubeVirt's mdevNameSelector reads" "$(cat "/sys/bus/mdev/devices/$u/mdev_type/name")" "GRID P40-2Q"
	expect_eq "its driver" "$(basename "$(readlink "/sys/bus/mdev/devices/$u/driver")")" nvidia-vgpu-vfio
	expect_eq "2Q available after one 2Q" "$(available $p nvidia-47)" 11
	# NVIDIA would show 0 here (one type per GPU): not modelled.
	expect_eq "the framebuffer left for 1Q, 4Q, 24Q" "$(available $p nvidia-46 nvidia-49 nvidia-53)" "22 5 0"
	echo frame_rate_limiter=0 >"/sys/bus/mdev/devices/$u/nvidia/vgpu_params"
	expect_eq "nvidia/vgpu_params" "$(cat "/sys/bus/mdev/devices/$u/nvidia/vgpu_params")" frame_rate_limiter=0
	for _ in $(seq 11); do mdevctl start -p $p -t nvidia-47 >/dev/null; done
	expect_eq "a full GPU: 12 2Q devices" "$(devices) $(available $p nvidia-47 nvidia-46)" "12 0 0"
	expect_out "mdevctl refuses a 13th" "Error: No available instances of nvidia-47 on $p" \
		mdevctl start -p $p -t nvidia-47
	stop_all
	expect_out "mdevctl list after stop" "" mdevctl list
	expect_eq "an idle GPU again" "$(available $p nvidia-46 nvidia-47 nvidia-49 nvidia-53)" "24 12 6 1"
}

case $profile in
intel-gvtg) check_intel_gvtg ;;
vfio-ccw) check_vfio_ccw ;;
vfio-ap) check_vfio_ap ;;
nvidia-gpu) check_nvidia_gpu ;;
*) fail "no checks for this profile" ;;
esac
finish
