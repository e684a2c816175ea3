// What to say when the release's selector matches no node: the install then does nothing at all,
// most often because the nodes do not carry the default label (stock NFD does not set it).

/** The warning for the hook log and the Onload status. */
export function noNodesSelectedMessage(selector: string): string {
  return (
    `no node matches the selector ${selector || '(all nodes)'}, so no node gets Onload (no driver, no device plugin). ` +
    `Stock Node Feature Discovery labels a Solarflare NIC feature.node.kubernetes.io/pci-0200_1924.present ` +
    `(once PCI class 0200 is in its deviceClassWhitelist), not the default feature.node.kubernetes.io/pci-1924.present: ` +
    `set nodeFeatureRule.enabled=true to have NFD set that label, or set selector to a label your Onload nodes carry`
  );
}
