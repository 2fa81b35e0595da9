#!/usr/bin/busybox sh
# AIOS stage 0, PID 1 (DESIGN.md 1 and 6a). Bun aborts without /proc; aios-init does the rest.
# First, once: "/" becomes a real mount. The kernel's initramfs root ("rootfs") is skipped by
# BusyBox df and mount and by many scripts when they look "/" up (`df /`: can't find mount
# point), so the image is copied into a tmpfs named aios-root and switch_root moves there,
# freeing the initramfs as it goes; then this script runs again from the copy. If that cannot
# be done (too little memory), AIOS runs from the initramfs as it is.
bb=/usr/bin/busybox
if [ -z "$AIOS_STAGE0" ]; then
  export AIOS_STAGE0=1
  if $bb mount -t tmpfs -o mode=0755 aios-root /mnt; then
    ok=1
    for entry in /*; do
      case "$entry" in /mnt|/proc) ;; *) $bb cp -a "$entry" /mnt/ || ok= ;; esac
    done
    $bb mkdir -p /mnt/mnt /mnt/proc
    [ -n "$ok" ] && exec $bb switch_root /mnt /init
    echo "aios stage 0: could not copy the image into RAM; running from the initramfs" > /dev/console
    $bb umount /mnt
  fi
fi
unset AIOS_STAGE0
$bb mount -t proc proc /proc
exec /usr/bin/aios-init
