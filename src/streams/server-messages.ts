// Whether a server message is one its route's spec describes, before a session hands it over: a
// caller's code is typed against the message schemas (`message.data` is a string), so a message
// with a field of another type must end the session with an error instead of reaching that code.
// A message of a type the spec does not know is not handed over at all (see agent-socket.ts). The table comes from the schemas (generated/operations.ts); formats are not
// checked, and objects are not looked into.
import { type SocketField, socketServerMessages } from '../../generated/operations.js';

type Fields = [name: string, field: SocketField][];

// Maps, not the generated object: `type` comes from the server, and an object would also answer
// for the names every object inherits (`constructor`, `__proto__`).
const byRoute = new Map<string, Map<string, Fields>>(
  Object.entries(socketServerMessages).map(([path, types]) => [
    path,
    new Map(Object.entries(types).map(([type, fields]) => [type, Object.entries(fields) as Fields])),
  ]),
);

/** Whether `type` is one of the messages the route `path` sends, as far as this version of the spec knows. */
export function knowsMessageType(path: string, type: string): boolean {
  return byRoute.get(path)?.has(type) === true;
}

/** What is wrong with `message` (of type `type`) on the route `path`, or undefined when nothing is. */
export function serverMessageMismatch(
  path: string,
  type: string,
  message: Record<string, unknown>,
): string | undefined {
  const fields = byRoute.get(path)?.get(type);
  if (!fields) return `a message of type ${JSON.stringify(type.slice(0, 40))}, which ${path} does not send`;
  for (const [name, field] of fields) {
    const value = Object.hasOwn(message, name) ? message[name] : undefined;
    if (!holds(field, value)) {
      return `a "${type}" message whose ${name} is ${value === undefined ? 'missing' : `not ${expected(field)}`}`;
    }
  }
  return undefined;
}

function holds(field: SocketField, value: unknown): boolean {
  if (typeof field === 'object') {
    return value === undefined ? field.optional === true : typeof value === 'string' && field.enum.includes(value);
  }
  const optional = field.startsWith('?');
  if (value === undefined) return optional;
  switch (optional ? field.slice(1) : field) {
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
    default:
      return false;
  }
}

function expected(field: SocketField): string {
  if (typeof field === 'object') return `one of ${field.enum.join(', ')}`;
  const kind = field.replace('?', '');
  return kind === 'integer' || kind === 'object' || kind === 'array' ? `an ${kind}` : `a ${kind}`;
}
