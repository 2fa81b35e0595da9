#!/bin/busybox sh
# AIOS stage 0 (DESIGN.md 1 and 6a): the small initramfs's /init. It finds AIOS's root image —
# a read-only compressed file system (squashfs) on the boot medium — and starts the real /init on it, so
# the image is paged in from the medium as it is used instead of living in RAM:
#
#   a disk that is the root image itself     (direct kernel boot: QEMU -drive root.img)
#   a CD, USB stick or disk holding the ISO  (aios/root.img on its iso9660 file system)
#   the slot GRUB chose on an installed disk  (aios.root=PARTLABEL=aios-root-a: that partition only)
#
# Writes go to a tmpfs layered over it (overlayfs): "/" is writable, and what a person keeps
# lives on the data disk as before. `aios.root_wait=SECONDS` (default 30) bounds the search.
export PATH=/bin
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev

say() { echo "aios stage 0: $*" > /dev/console; }

wait_s=30
want_part=
for arg in $($bb cat /proc/cmdline); do
  case "$arg" in
    aios.root_wait=*) wait_s=${arg#aios.root_wait=} ;;
    aios.root=PARTLABEL=*) want_part=${arg#aios.root=PARTLABEL=} ;;
  esac
done
# Whole seconds only: anything else on the command line would break the arithmetic below.
case "$wait_s" in '' | *[!0-9]*) wait_s=30 ;; esac

$bb mkdir -p /ro /rw /medium /newroot

# The root image (DEVICE [MOUNT OPTIONS]) is squashfs; it is AIOS's if it holds the aios
# executable.
mount_root() {
  if $bb mount -t squashfs -o "ro${2:+,$2}" "$1" /ro 2> /dev/null; then
    [ -x /ro/usr/bin/aios ] && return 0
    $bb umount /ro
  fi
  return 1
}

try_device() {
  mount_root "$1" && return 0
  if $bb mount -t iso9660 -o ro "$1" /medium 2> /dev/null; then
    [ -f /medium/aios/root.img ] && mount_root /medium/aios/root.img loop && return 0
    $bb umount /medium
  fi
  return 1
}

# Each block device once: virtio disks first (a QEMU boot), partitions and CDs after.
found=
search() {
  for entry in /sys/class/block/vd* /sys/class/block/nvme* /sys/class/block/sd* /sys/class/block/sr* /sys/class/block/mmcblk*; do
    [ -e "$entry" ] || continue
    name=${entry##*/}
    [ -b "/dev/$name" ] || continue
    # An empty drive (a CD drive with no disc) has no size: nothing to mount.
    [ "$($bb cat "$entry/size" 2> /dev/null)" != "0" ] || continue
    # An installed disk's slot: only the partition GRUB named (the other slot is another version).
    if [ -n "$want_part" ]; then
      $bb grep -qx "PARTNAME=$want_part" "$entry/uevent" 2> /dev/null || continue
      mount_root "/dev/$name" && found=$name && return 0
      continue
    fi
    if try_device "/dev/$name"; then
      found=$name
      return 0
    fi
  done
  return 1
}

# The drivers a group at a time, most likely first; a module that is built in or absent is no
# error. Devices appear as their drivers probe them (USB takes seconds): after the last group,
# look again until found or aios.root_wait is over.
while read -r group; do
  for module in $group; do $bb modprobe -q "$module" 2> /dev/null; done
  search && break
done < /etc/aios-stage0/modules
uptime() { read -r up rest < /proc/uptime && echo "${up%.*}"; }
deadline=$(($(uptime) + wait_s))
while [ -z "$found" ] && [ "$(uptime)" -lt "$deadline" ]; do
  $bb usleep 250000
  search && break
done

if [ -z "$found" ] && [ -n "$want_part" ]; then
  # An installed disk's slot that does not boot (a damaged or half-written update): GRUB has
  # already used up its one try, so a reboot is the previous slot's boot.
  say "slot partition $want_part holds no AIOS root image after ${wait_s} s: rebooting into the previous slot."
  $bb sleep 3
  $bb reboot -f
fi
if [ -z "$found" ]; then
  say "no AIOS root image found on any disk or CD after ${wait_s} s."
  say "Boot from the AIOS ISO (it holds aios/root.img), or attach build/root.img as a disk."
  say "Block devices seen: $($bb ls /sys/class/block | $bb tr '\n' ' ')"
  say "A BusyBox shell follows; the machine powers off when it ends."
  $bb sh
  $bb poweroff -f
fi
# In the kernel's log, with its time: how long stage 0 took (dmesg).
echo "aios stage 0: root image found on /dev/$found" > /dev/kmsg

$bb mount -t tmpfs -o mode=0755 aios-rw /rw
$bb mkdir -p /rw/upper /rw/work
if ! $bb mount -t overlay -o lowerdir=/ro,upperdir=/rw/upper,workdir=/rw/work aios-root /newroot; then
  say "overlayfs is missing: running from the read-only root; nothing can be written to /."
  $bb mount --bind /ro /newroot
fi

# The real root mounts these again, as it likes them.
$bb umount /sys
$bb umount /dev 2> /dev/null
# aios-init's boot timeline starts from here (seconds since the kernel started).
read -r AIOS_BOOT_SWITCH_ROOT _ < /proc/uptime
export AIOS_BOOT_SWITCH_ROOT
$bb umount /proc
exec $bb switch_root /newroot /init
