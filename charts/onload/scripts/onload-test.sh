#!/bin/sh
# helm test: this pod was allocated amd.com/onload; check that the device plugin gave it Onload
# (the device nodes, the userland under BASE_MOUNT_PATH, LD_PRELOAD when SET_PRELOAD) and that the
# userland's version equals the loaded onload driver's. Prints one line per check; exit 1 on the
# first failure, naming what to look at.
set -u
lib="${BASE_MOUNT_PATH}${LIB_MOUNT_PATH}"
driver_file="${ONLOAD_DRIVER_VERSION_FILE:-/sys/module/onload/version}"
fail() {
  echo "FAIL: $*"
  exit 1
}
echo "node ${NODE_NAME:-unknown}: checking Onload for release ${RELEASE:-?} (onload.version ${EXPECTED_VERSION:-?})"
for dev in /dev/onload /dev/onload_epoll; do
  [ -c "$dev" ] || fail "$dev is missing: the device plugin did not give this pod the Onload devices (kubectl logs of the device plugin on ${NODE_NAME:-the node})"
done
echo "ok: /dev/onload and /dev/onload_epoll present"
[ -e "$lib/libonload.so" ] || fail "$lib/libonload.so is missing: the device plugin did not mount the userland (devicePlugin.hostOnloadPath on the node holds it?)"
echo "ok: userland mounted at $lib"
if [ "${SET_PRELOAD:-false}" = true ]; then
  [ "${LD_PRELOAD:-}" = "$lib/libonload.so" ] || fail "LD_PRELOAD is \"${LD_PRELOAD:-}\", not $lib/libonload.so (devicePlugin.setPreload)"
  echo "ok: LD_PRELOAD=$LD_PRELOAD"
fi
if [ "${MOUNT_ONLOAD:-false}" = true ]; then
  [ -e "${BASE_MOUNT_PATH}${BIN_MOUNT_PATH}/onload" ] || fail "${BASE_MOUNT_PATH}${BIN_MOUNT_PATH}/onload is missing (devicePlugin.mountOnload)"
  echo "ok: onload script mounted at ${BASE_MOUNT_PATH}${BIN_MOUNT_PATH}/onload"
fi
userland=$(env -u LD_PRELOAD "$lib/libonload.so" 2>/dev/null | sed -n '1s/^Onload \([^ ]*\).*/\1/p')
[ -n "$userland" ] || fail "$lib/libonload.so did not print its version (\"Onload <version>\")"
[ -r "$driver_file" ] || fail "$driver_file is missing: the onload driver is not loaded on ${NODE_NAME:-this node} (kubectl onload status)"
driver=$(cat "$driver_file")
[ "$userland" = "$driver" ] || fail "the userland is Onload $userland but the loaded driver is $driver: the node runs mismatched versions (kubectl onload status)"
echo "ok: userland and driver both Onload $driver"
echo "PASS"
