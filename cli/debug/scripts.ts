// The report scripts the troubleshooting pods run (POSIX sh). They use only sh built-ins and
// cat, head, readlink, date, chroot and timeout, so that the Onload userland image (the default
// image) runs them, and they never write to the host. Every location comes from the environment
// (`reportEnv`), so that the unit tests run them against a fake host in a temporary directory:
//
//   HOST_ROOT        the host's / as the pod sees it (/host)
//   PROC_ROOT        /proc; SYS_ROOT: /sys (a privileged hostNetwork pod sees the host's)
//   ONLOAD_PATH      devicePlugin.hostOnloadPath: where the device plugin copied the userland
//   COMMAND_TIMEOUT  seconds each command may run
//   HOST_EXEC        how host programs run: chroot (`chroot $HOST_ROOT prog`: ELF programs and
//                    scripts alike, with the host's libraries, interpreters and PATH, as Onload's
//                    troubleshooting guide does), loader (the host's dynamic loader and libraries
//                    for ELF programs, as the metrics runner does; scripts as they are), direct
//                    ($HOST_ROOT/prog as it is), auto (chroot when it works, else loader)
//   SFREPORT_FROM    sfc report: image (sfreport on the image's PATH: diagnostics.sfc.image) or
//                    host (the host's sfreport, run under HOST_EXEC)
//   WORK_DIR         sfc report: a writable empty directory for sfreport's output file(s); with
//                    SFREPORT_FROM=host and HOST_EXEC=chroot, HOST_WORK_DIR is that directory as
//                    the chrooted sfreport sees it
//
// The scripts are template literals read raw through `sh`: `\${` in them is the shell's `${`.

/** The raw text of a template literal without substitutions, `\${` turned into `${`. */
function sh(strings: TemplateStringsArray): string {
  return strings.raw.join('').replaceAll('\\${', '${');
}

const prelude = sh`set -u
host=\${HOST_ROOT-/host}
host=\${host%/}
proc=\${PROC_ROOT-/proc}
sys=\${SYS_ROOT-/sys}
onload_path=\${ONLOAD_PATH-/opt/onload}
onload_path=\${onload_path%/}
limit=\${COMMAND_TIMEOUT-60}
exec_mode=\${HOST_EXEC-auto}
readable=0

section() { printf '\n===== %s =====\n' "$1"; }
say() { printf '%s\n' "$*"; }

if command -v timeout >/dev/null 2>&1; then bound="timeout $limit"; else
  bound=""
  say "note: no timeout command in this image: commands run without a time limit (the pod's deadline still applies)"
fi

# Runs a command (stderr into stdout), bounded; counts what worked, says what did not.
run() {
  run_label=$1
  shift
  $bound "$@" 2>&1
  run_rc=$?
  case $run_rc in
    0) readable=$((readable + 1)) ;;
    124|137|143) say "$run_label: timed out after $limit s" ;;
    126) say "$run_label: cannot be executed (exit status 126)" ;;
    127) say "$run_label: not found or cannot start (exit status 127)" ;;
    *) say "$run_label: failed (exit status $run_rc)" ;;
  esac
  return $run_rc
}

# A file's content under a heading line, or why not.
show() {
  if [ ! -e "$1" ]; then say "$1: not present"; return 1; fi
  if [ -d "$1" ]; then return 0; fi
  say "--- $1"
  if cat "$1" 2>&1; then readable=$((readable + 1)); else say "$1: cannot read"; return 1; fi
}

# The lines of stdin that match any of the case patterns given.
matching() {
  while IFS= read -r line || [ -n "$line" ]; do
    for pattern in "$@"; do
      case $line in $pattern) say "$line"; break ;; esac
    done
  done
}

# The first of the given host paths that exists on the host (links count: chroot resolves them).
host_find() {
  for candidate in "$@"; do
    if [ -f "$host$candidate" ] || [ -L "$host$candidate" ]; then say "$candidate"; return 0; fi
  done
  return 1
}

# A host path with its last component's links followed inside the host root.
host_resolve() {
  resolved=$1
  hops=0
  while [ -L "$host$resolved" ] && [ $hops -lt 16 ]; do
    target=$(readlink "$host$resolved")
    case $target in /*) resolved=$target ;; *) resolved=\${resolved%/*}/$target ;; esac
    hops=$((hops + 1))
  done
  say "$resolved"
}

is_elf() { [ "$(head -c 4 "$1" 2>/dev/null)" = "$(printf '\177ELF')" ]; }

host_loader() {
  case $(uname -m 2>/dev/null) in
    aarch64) loader=/lib/ld-linux-aarch64.so.1; arch_dir=aarch64-linux-gnu ;;
    ppc64le) loader=/lib64/ld64.so.2; arch_dir=powerpc64le-linux-gnu ;;
    *) loader=/lib64/ld-linux-x86-64.so.2; arch_dir=x86_64-linux-gnu ;;
  esac
  loader=$(host_resolve "$loader")
  [ -f "$host$loader" ] || return 1
  libraries=""
  for dir in /lib64 /usr/lib64 /lib/$arch_dir /usr/lib/$arch_dir; do
    [ -d "$host$dir" ] && libraries="$libraries:$host$dir"
  done
  libraries=\${libraries#:}
}

if [ "$exec_mode" = auto ]; then
  if command -v chroot >/dev/null 2>&1 && chroot "\${host:-/}" /bin/sh -c : >/dev/null 2>&1; then
    exec_mode=chroot
  else
    exec_mode=loader
  fi
fi

# Runs a host program given by its host path: run_host <label> <path> [args...]
run_host() {
  host_label=$1
  host_program=$2
  shift 2
  case $exec_mode in
    chroot) run "$host_label" chroot "\${host:-/}" "$host_program" "$@" ;;
    loader)
      if is_elf "$host$host_program" && host_loader; then
        run "$host_label" "$host$loader" --inhibit-cache --library-path "$libraries" "$host$host_program" "$@"
      else
        run "$host_label" "$host$host_program" "$@"
      fi
      ;;
    *) run "$host_label" "$host$host_program" "$@" ;;
  esac
}

# A host path as a program run by run_host sees it (inside the chroot: the host's own path).
seen_by_host_program() {
  if [ "$exec_mode" = chroot ]; then say "$1"; else say "$host$1"; fi
}

host_bin_dirs="/usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin"

# Runs a host program found by name on the host's usual PATH: run_host_named <name> [args...]
run_host_named() {
  named=$1
  shift
  candidates=""
  for dir in $host_bin_dirs; do candidates="$candidates $dir/$named"; done
  if found=$(host_find $candidates); then
    run_host "$named" "$found" "$@"
  else
    say "$named: not found under $host (looked in $host_bin_dirs)"
    return 127
  fi
}

header() {
  section "$1"
  hostname=$(cat "$proc/sys/kernel/hostname" 2>/dev/null) || hostname="(unknown: $proc/sys/kernel/hostname unreadable)"
  say "node: $hostname"
  say "time: $(date -u '+%Y-%m-%dT%H:%M:%SZ' 2>/dev/null)"
  say "host root: \${host:-/}; host programs run with: $exec_mode; each command's time limit: $limit s"
}

drivers() {
  section "Loaded drivers"
  show "$sys/module/onload/version" || say "the onload driver is not loaded"
  show "$sys/module/sfc/version" || say "the sfc driver is not loaded (or is the in-tree driver without a version file)"
}

interfaces() {
  section "Network interfaces (driver, PCI device, state, address)"
  found_any=0
  for dev in "$sys"/class/net/*; do
    [ -e "$dev" ] || continue
    found_any=1
    name=\${dev##*/}
    driver=$(readlink "$dev/device/driver" 2>/dev/null) && driver=\${driver##*/} || driver="-"
    pci=$(readlink "$dev/device" 2>/dev/null) && pci=\${pci##*/} || pci="-"
    state=$(cat "$dev/operstate" 2>/dev/null) || state="-"
    address=$(cat "$dev/address" 2>/dev/null) || address="-"
    say "$name driver=$driver device=$pci state=$state address=$address"
  done
  if [ $found_any = 1 ]; then readable=$((readable + 1)); else say "$sys/class/net: no interfaces"; fi
}

kernel_log() {
  section "Kernel log lines mentioning onload, sfc or efx"
  if log=$(run_host_named dmesg); then
    readable=$((readable + 1))
    printf '%s\n' "$log" | matching '*[Oo][Nn][Ll][Oo][Aa][Dd]*' '*sfc*' '*[Ee][Ff][Xx]*' '*[Ss]olarflare*'
  else
    printf '%s\n' "$log"
  fi
}

finish() {
  section "End of report"
  if [ "$readable" -eq 0 ]; then
    say "nothing could be read on this node"
    exit 1
  fi
  say "$readable items read"
  exit 0
}
`;

const onloadBody = sh`
header "Onload troubleshooting report"
say "Onload userland on the host: $onload_path"
drivers

section "Onload userland version (host)"
preload=$(seen_by_host_program "$onload_path/usr/lib64/libonload.so")
if host_find "$onload_path/usr/bin/onload" >/dev/null; then
  export ONLOAD_PRELOAD="$preload"
  run_host "onload --version" "$onload_path/usr/bin/onload" --version
else
  say "onload: not found under $host$onload_path/usr/bin"
fi
if host_find "$onload_path/usr/lib64/libonload.so" >/dev/null; then
  run_host "libonload.so" "$onload_path/usr/lib64/libonload.so"
else
  say "libonload.so: not found under $host$onload_path/usr/lib64"
fi

section "/proc/driver/onload"
if [ -d "$proc/driver/onload" ]; then
  for f in "$proc"/driver/onload/*; do show "$f"; done
else
  say "$proc/driver/onload: not present (is the onload driver loaded?)"
fi

section "/proc/driver/sfc_resource"
if [ -d "$proc/driver/sfc_resource" ]; then
  for f in "$proc"/driver/sfc_resource/*; do
    if [ -d "$f" ]; then for g in "$f"/*; do show "$g"; done; else show "$f"; fi
  done
else
  say "$proc/driver/sfc_resource: not present"
fi

section "onload module parameters"
if [ -d "$sys/module/onload/parameters" ]; then
  for p in "$sys"/module/onload/parameters/*; do
    [ -e "$p" ] || continue
    value=$(cat "$p" 2>/dev/null) || value="(unreadable)"
    say "\${p##*/} = $value"
  done
  readable=$((readable + 1))
else
  say "$sys/module/onload/parameters: not present"
fi

section "Huge pages ($proc/meminfo)"
if [ -r "$proc/meminfo" ]; then
  matching '*[Hh]uge*' < "$proc/meminfo"
  readable=$((readable + 1))
else
  say "$proc/meminfo: cannot read"
fi

interfaces
kernel_log

for command in stacks processes env threads netstat lots filters filter_table; do
  section "onload_stackdump $command"
  if host_find "$onload_path/usr/bin/onload_stackdump" >/dev/null; then
    run_host "onload_stackdump $command" "$onload_path/usr/bin/onload_stackdump" "$command"
  else
    say "onload_stackdump: not found under $host$onload_path/usr/bin"
  fi
done

section "orm_json"
if host_find "$onload_path/usr/bin/orm_json" >/dev/null; then
  run_host "orm_json" "$onload_path/usr/bin/orm_json"
  echo
else
  say "orm_json: not found under $host$onload_path/usr/bin"
fi

finish
`;

const sfcBody = sh`
header "sfc troubleshooting report"
from=\${SFREPORT_FROM-host}
work=\${WORK_DIR-/tmp}
drivers
interfaces
kernel_log

section "sfreport"
if [ "$from" = image ]; then
  if command -v sfreport >/dev/null 2>&1; then sfreport=sfreport
  elif command -v sfreport.pl >/dev/null 2>&1; then sfreport=sfreport.pl
  else sfreport=""; fi
  if [ -z "$sfreport" ]; then
    say "sfreport: not found on this image's PATH ($PATH); diagnostics.sfc.image must be an image with sfreport (AMD's sfutils)"
  else
    say "sfreport from this image ($(command -v $sfreport)), output in $work"
    (cd "$work" && run sfreport $sfreport)
  fi
else
  candidates=""
  for dir in $host_bin_dirs; do candidates="$candidates $dir/sfreport $dir/sfreport.pl"; done
  if found=$(host_find $candidates); then
    say "sfreport from the host ($found), output in $work"
    if [ "$exec_mode" = chroot ]; then
      run sfreport chroot "\${host:-/}" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "\${HOST_WORK_DIR-/tmp}" "$found"
    else
      (cd "$work" && run_host sfreport "$found")
    fi
  else
    say "sfreport: not found under $host (looked for sfreport and sfreport.pl in $host_bin_dirs); install AMD's sfutils on the node or set diagnostics.sfc.image"
  fi
fi
for out in "$work"/*; do
  [ -f "$out" ] || continue
  section "sfreport output file \${out##*/}"
  show "$out"
done

finish
`;

/** The Onload report: drivers, userland, /proc and /sys, kernel log, onload_stackdump, orm_json. */
export const onloadReportScript = prelude + onloadBody;

/** The sfc report: drivers, interfaces, kernel log and sfreport's output. */
export const sfcReportScript = prelude + sfcBody;

export type ReportKind = 'onload' | 'sfc';

export function reportScript(kind: ReportKind): string {
  return kind === 'onload' ? onloadReportScript : sfcReportScript;
}
