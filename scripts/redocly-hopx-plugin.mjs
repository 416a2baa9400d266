// Redocly plugin for `npm run lint` (loaded by redocly.yaml): assertion functions that the built-in
// ones cannot express, used by the configurable rules there.
//
//   hopx/uniqueList   the value is a list (YAML sequence) without repeated items. Redocly's `enum`
//                     checks each item of a list but also accepts a bare string, and nothing built in
//                     rejects a repeated item; `x-evidence` must be a set of sources.
export default function hopxLintPlugin() {
  return {
    id: 'hopx',
    assertions: {
      uniqueList(value, enabled, { baseLocation }) {
        if (!enabled || value === undefined) return [];
        if (!Array.isArray(value)) return [{ message: 'Should be a list', location: baseLocation }];
        const repeated = value.filter((item, i) => value.indexOf(item) !== i);
        return repeated.map((item) => ({ message: `"${item}" is listed more than once`, location: baseLocation }));
      },
    },
  };
}
