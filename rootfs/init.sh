#!/usr/bin/busybox sh
# AIOS stage 1, PID 1 (DESIGN.md 1 and 6a), on the root image that stage 0 (rootfs/stage0.sh)
# mounted and switched to. Bun aborts without /proc; aios-init does the rest.
/usr/bin/busybox mount -t proc proc /proc
# For aios-init's boot timeline: when stage 1 began, before Bun starts.
read -r AIOS_BOOT_STAGE1 _ < /proc/uptime
export AIOS_BOOT_STAGE1
exec /usr/bin/aios-init
