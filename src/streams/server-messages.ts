// Whether a server message is one its route's spec describes, before a session hands it over: a
// caller's code is typed against the message schemas (`message.data` is a string), so a message
// with a field of another type must end the session with an error instead of reaching that code.
// A message of a type the spec does not know is not handed over at all (see agent-socket.ts). The
// table comes from the schemas (generated/operations.ts); formats are not checked, and objects are
// not looked into.
//
// This runs for every frame (100,000 a second in a flood), so the table is compiled once into rules
// per route and type: the field descriptions ('?string') are read here, not for every frame.
import { type SocketField, socketServerMessages } from '../../generated/operations.js';

/** A JSON type, or `oneOf` for a closed set of strings. */
type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'oneOf';

interface FieldRule {
  name: string;
  kind: Kind;
  optional: boolean;
  /** The strings a `oneOf` field may hold. */
  strings: readonly string[];
  /** How the error names what the field should hold: "a string", "one of created, modified". */
  expected: string;
}

/** The fields of one message type. */
export type MessageRules = readonly FieldRule[];

function ruleOf(name: string, field: SocketField): FieldRule {
  if (typeof field === 'object') {
    const expected = `one of ${field.enum.join(', ')}`;
    return { name, kind: 'oneOf', optional: field.optional === true, strings: field.enum, expected };
  }
  const optional = field.startsWith('?');
  const kind = (optional ? field.slice(1) : field) as Exclude<Kind, 'oneOf'>;
  const expected = kind === 'integer' || kind === 'object' || kind === 'array' ? `an ${kind}` : `a ${kind}`;
  return { name, kind, optional, strings: [], expected };
}

// Maps, not the generated object: `type` comes from the server, and an object would also answer
// for the names every object inherits (`constructor`, `__proto__`).
const byRoute = new Map<string, ReadonlyMap<string, MessageRules>>(
  Object.entries(socketServerMessages).map(([path, types]) => [
    path,
    new Map(
      Object.entries(types).map(([type, fields]) => [
        type,
        Object.entries(fields as Record<string, SocketField>).map(([name, field]) => ruleOf(name, field)),
      ]),
    ),
  ]),
);

/** The message types route `path` sends, as far as this version of the spec knows, and their rules. */
export function messageRulesOf(path: string): ReadonlyMap<string, MessageRules> {
  return byRoute.get(path) ?? new Map();
}

/** What is wrong with `message` (of type `type`, whose rules are `rules`), or undefined when nothing is. */
export function mismatchOf(type: string, rules: MessageRules, message: Record<string, unknown>): string | undefined {
  for (const rule of rules) {
    const value = Object.hasOwn(message, rule.name) ? message[rule.name] : undefined;
    if (value === undefined ? !rule.optional : !holds(rule, value)) {
      return `a "${type}" message whose ${rule.name} is ${value === undefined ? 'missing' : `not ${rule.expected}`}`;
    }
  }
  return undefined;
}

function holds(rule: FieldRule, value: unknown): boolean {
  switch (rule.kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'oneOf':
      return typeof value === 'string' && rule.strings.includes(value);
  }
}
