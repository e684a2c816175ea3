//go:build tools

// Wrapper module pinning the KMM manager (OpenShift fork, release-2.2) for the local test bed;
// built by ci/tools (never committed as binaries).
package tools

import _ "github.com/rh-ecosystem-edge/kernel-module-management/cmd/manager"
