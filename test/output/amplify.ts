// A valid scenario of a few hundred KB whose output is larger than one JS string can
// hold: `attachments` dynamic importers (names of 256 characters, the longest allowed)
// notified at every one of `steps` revoke/restore.
export function amplifying(attachments: number, steps: number): unknown {
  const name = (i: number) => `a${i}`.padEnd(256, "x");
  return {
    name: "amplify",
    devices: { cpu: {}, dev: {} },
    steps: [
      { op: "export", buffer: "b", exporter: "cpu", size: "0x1000", dynamic: true, backing: { kind: "system", ranges: [{ addr: "0x1000", len: "0x1000" }] } },
      ...Array.from({ length: attachments }, (_, i) => ({ op: "attach", buffer: "b", importer: "dev", as: name(i), dynamic: true })),
      ...Array.from({ length: steps }, (_, i) => ({ op: i % 2 ? "restore" : "revoke", buffer: "b" })),
    ],
  };
}
