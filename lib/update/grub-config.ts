/**
 * @module lib/update/grub-config
 * grub.cfg of an installed AIOS (on AIOS-BOOT, read by GRUB for BIOS and for UEFI alike). The
 * environment block next to it says which slot is the machine's (`slot`) and which is on trial
 * (`trial`): GRUB boots a slot on trial once, clearing `trial` before it does, so if that
 * boot never confirms itself (aios-init sets `slot` when every critical service is ready), the
 * next boot is the old slot's.
 */
const KERNEL_ARGS = "console=tty0 console=ttyS0,115200 panic=-1 quiet transparent_hugepage=never";

const entry = (title: string, slot: string, extra: string) => `menuentry "${title}" {
  linux /${slot}/vmlinuz ${KERNEL_ARGS} aios.root=PARTLABEL=aios-root-${slot} aios.slot=${slot}${extra}
  initrd /${slot}/initrd.img
}
`;

export function installedGrubConfig(): string {
  return `# AIOS installed on this disk (lib/update/grub-config): two slots, a and b; grubenv says
# which is the machine's (slot) and which boots once on trial (trial).
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input serial console
terminal_output serial console
set timeout=2
set default=0
load_env
if [ "\${slot}" != "b" ]; then set slot=a; fi
set boot=\${slot}
set mode=
if [ "\${trial}" = "a" ]; then set boot=a; set mode=1; fi
if [ "\${trial}" = "b" ]; then set boot=b; set mode=1; fi
if [ -n "\${mode}" ]; then
  # One try: cleared before the kernel starts, so a slot that never confirms is not booted again.
  set trial=
  save_env trial
fi

${entry("AIOS (slot ${boot})", "${boot}", " aios.trial=${mode}")}
${entry("AIOS slot a", "a", "")}
${entry("AIOS slot b", "b", "")}
${entry("AIOS recovery (slot ${slot}: only init and a console shell)", "${slot}", " aios.recovery=1")}`;
}
