/**
 * @module lib/pkg/deb822
 * Debian's control-file format (RFC 822-like stanzas): Packages indexes, Release files, a
 * .deb's control file and dpkg's status file. A field's continuation lines (starting with a
 * space or tab) belong to it; " ." is an empty line of a multi-line value.
 */

export type Stanza = Map<string, string>;

/** Every stanza of the text, field names as written (Package, Version, SHA256 ...). */
export function parseStanzas(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Stanza = new Map();
  let field: string | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      if (current.size > 0) stanzas.push(current);
      current = new Map();
      field = undefined;
    } else if (line[0] === " " || line[0] === "\t") {
      if (field !== undefined) current.set(field, `${current.get(field)}\n${line.slice(1) === "." ? "" : line.slice(1)}`);
    } else if (line[0] !== "#") {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      field = line.slice(0, colon);
      current.set(field, line.slice(colon + 1).trim());
    }
  }
  if (current.size > 0) stanzas.push(current);
  return stanzas;
}
