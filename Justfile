# AIOS tasks. Everything runs with the pinned Bun from node_modules (npm ci installs it).

set shell := ["bash", "-euo", "pipefail", "-c"]

bun := justfile_directory() / "node_modules/.bin/bun"
biome := justfile_directory() / "node_modules/.bin/biome"
buf := justfile_directory() / "node_modules/.bin/buf"
components := "aios-init aios-memory aios-gateway aios-tools aios-orchestrator aios-console aiosctl"
commit := `git rev-parse --short HEAD 2>/dev/null || echo unknown`

# List the recipes.
default:
    @just --list

# Install the Debian packages of every host program the build, the tests and the benches run
# (scripts/host-programs.ts is the list), or only those of some uses: just deps image qemu.
deps *USES:
    @{{bun}} scripts/deps.ts {{USES}}

# Debian's chromium, which the console's browser tests drive through playwright-core.
browser: (deps "browser")

# Build the image and boot it in QEMU on this terminal (needs root for the image build).
run: (deps "image" "llama-server" "qemu") iso qemu

# Compile the multi-call executable dist/aios and its component symlinks. --bytecode: start-up
# to serving is about half (measured 271 → 133 ms for aios-tools), for ~5 MB more. --splitting
# (ESM only): each component's code is a chunk of its own, loaded when that component runs, so
# a process parses only what it uses instead of the whole multi-call bundle (JavaScriptCore
# keeps what it parsed: 1-4 MiB less memory per process, measured; DESIGN.md 6a). --minify
# --keep-names: 3.4 MiB smaller (0.5 MiB in the image) with functions and classes still named
# in stack traces and error.name.
build:
    mkdir -p dist
    {{bun}} build --compile --bytecode --format=esm --splitting --minify --keep-names --target=bun-linux-x64 --define 'AIOS_BUILD_COMMIT="{{commit}}"' cmd/aios/main.ts --outfile dist/aios
    cd dist && for link in {{components}}; do ln -sfn aios "$link"; done
    # aios-memory loads the sqlite-vec extension from beside the executable (a loadable
    # extension must be a file on disk; the image has it at /usr/lib/aios/vec0.so).
    cp node_modules/sqlite-vec-linux-x64/vec0.so dist/vec0.so
    @echo "built dist/aios ($(du -h dist/aios | cut -f1)), dist/vec0.so and symlinks: {{components}}"

# The LanceDB vector backend for the compiled binary: dist/lancedb/ (~200 MB, not in the image),
# used when memory.vector_backend = "lancedb".
build-lancedb:
    {{bun}} build --target=bun lib/memory/vector/lancedb-plugin.ts --outdir dist/lancedb > /dev/null
    @echo "built dist/lancedb ($(du -sh dist/lancedb | cut -f1))"

# Compile one component as its own executable: just build-one tools  →  dist/aios-tools-standalone
build-one NAME:
    test -f cmd/{{NAME}}/main.ts || { echo "no component {{NAME}}: pick one of $(ls cmd | tr '\n' ' ')"; exit 64; }
    mkdir -p dist
    {{bun}} build --compile --bytecode --target=bun-linux-x64 --define 'AIOS_BUILD_COMMIT="{{commit}}"' cmd/{{NAME}}/main.ts --outfile dist/aios-{{NAME}}-standalone

# llama-server, static, from node-llama-cpp's bundled llama.cpp sources: dist/llama-server
# (~8 minutes on 2 cores the first time; cached in .cache/llama-server/VERSION after that).
llama-server: (deps "llama-server")
    {{bun}} rootfs/llama-server.ts

# Lint the contracts and regenerate the TypeScript stubs in lib/rpc/gen.
proto:
    {{buf}} lint
    rm -rf lib/rpc/gen
    {{buf}} generate
    @echo "regenerated lib/rpc/gen from proto/"

# Fail when the committed stubs are not what proto/ generates.
proto-check:
    {{buf}} lint
    tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT && {{buf}} generate -o "$tmp" && \
      if ! diff -r "$tmp/lib/rpc/gen" lib/rpc/gen > "$tmp/diff"; then cat "$tmp/diff" | head -40; echo "lib/rpc/gen is stale: run just proto and commit the result"; exit 1; fi
    @echo "lib/rpc/gen matches proto/"

# Type-check everything (strict).
typecheck:
    {{bun}} x tsc -p .

# Every test: contracts, types, the compiled binary and the image, then bun test.
# The formatter and linter (Biome, biome.json): formatting and the recommended rules; errors fail.
lint:
    {{biome}} ci .

# The fast tier: the pure modules' tests beside their code and the understanding layer's, in
# seconds, with no apt, no ISO and no browser.
test-unit:
    {{bun}} test unit.test test/understanding.test.ts test/learned.test.ts lib/config lib/log lib/console/credentials.test.ts

test: deps proto-check typecheck iso build-lancedb llama-server
    PATH="$PATH:/usr/sbin:/sbin" {{bun}} test --timeout 1200000 2>&1 | tee .test-output.log; \
      status=${PIPESTATUS[0]}; \
      passed=$(grep -Eo '^ *[0-9]+ pass$' .test-output.log | grep -Eo '[0-9]+' | tail -1); \
      failed=$(grep -Eo '^ *[0-9]+ fail$' .test-output.log | grep -Eo '[0-9]+' | tail -1); \
      if [ "$status" != 0 ]; then echo "--- what each failed test said (again, so the end of the log has it)"; scripts/failure-digest < .test-output.log; fi; \
      rm -f .test-output.log; \
      echo "tests: ${passed:-0} passed, ${failed:-0} failed"; \
      exit $status

# The kernel, the stage-0 initramfs and the root image: build/vmlinuz, build/initrd.img, build/root.img (needs root).
initrd: (deps "image") build llama-server
    PATH="$PATH:/usr/sbin:/sbin" {{bun}} rootfs/build.ts initrd

# The bootable hybrid BIOS+UEFI ISO with a serial console: build/aios.iso.
iso: initrd
    rm -rf build/iso && mkdir -p build/iso/boot/grub
    mkdir -p build/iso/aios
    cp build/vmlinuz build/initrd.img build/iso/boot/
    cp build/root.img build/iso/aios/root.img
    cp rootfs/grub.cfg build/iso/boot/grub/grub.cfg
    # Only the GRUB modules rootfs/grub.cfg uses, no fonts, locales or themes (a serial and text
    # console): 4 MiB of GRUB instead of 19. rootfs/xorriso-compact-efi makes the UEFI boot image
    # the size of what it holds (256 KiB, not grub-mkrescue's 2.88 MB floppy).
    grub-mkrescue --xorriso=rootfs/xorriso-compact-efi -o build/aios.iso build/iso --fonts= --locales= --themes= --compress=xz \
      --install-modules="linux normal iso9660 part_msdos part_gpt serial terminal echo test" \
      -- -volid AIOS 2> build/grub-mkrescue.log || { cat build/grub-mkrescue.log; exit 1; }
    @echo "built build/aios.iso ($(du -h build/aios.iso | cut -f1))"

# Boot the ISO in QEMU on this terminal (restricted user network, persistent data disk).
qemu:
    {{bun}} rootfs/qemu.ts iso

# The same ISO on UEFI firmware (OVMF), as a machine without a BIOS boots it.
qemu-uefi:
    {{bun}} rootfs/qemu.ts uefi

# build/disk.img: AIOS installed on a disk image as aiosctl install does it (two slots, GRUB for
# BIOS and UEFI, a data partition), from this build; SIZE in MiB.
disk SIZE="2048": iso
    {{bun}} scripts/disk.ts {{SIZE}}

# Boot build/disk.img (an installed AIOS) in QEMU.
qemu-disk:
    {{bun}} rootfs/qemu.ts disk

# Sign this build as an update bundle (build/aios-update-COMMIT.tar) with the builder's release
# key ($AIOS_RELEASE_KEY or ~/.config/aios/release-key.pem, made by the first image build).
release: iso
    {{bun}} scripts/release.ts

# Boot build/vmlinuz and build/initrd.img directly, build/root.img as a disk: faster than GRUB, for tests and development.
qemu-kernel:
    {{bun}} rootfs/qemu.ts kernel

# Benchmarks: each prints a JSON line and a table.
bench: deps iso
    for b in bench/*.ts; do {{bun}} "$b"; done

# After any `npm install`: make the lockfile acceptable to `npm ci` (see the script's comment).
lockfile:
    node scripts/complete-lockfile.mjs
    npm ci --no-audit --no-fund > /dev/null && echo "npm ci accepts package-lock.json"
