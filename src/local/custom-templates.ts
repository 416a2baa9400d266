// What the templates and builds groups share about templates: their ids, what the spec's Template
// says beyond the shared LocalTemplate (the resources and build configuration a build asked for),
// finding one by name or id, and the events of `GET /v1/templates/stream`.
import { ApiError } from './api-error.js';
import type { Local } from './context.js';
import type { LocalState, LocalTemplate } from './state.js';
import { templateJson } from './templates.js';

/** What a build request said about its template, kept for the spec's Template fields. */
export interface TemplateBuildConfig {
  /** `default_resources`: what the build asked sandboxes of the template to get. */
  resources: { vcpu: number; memory_mb: number; disk_gb: number };
  /** `fluent_api_config`: the build request without its registry credentials. */
  config: Record<string, unknown>;
}

const configs = new WeakMap<LocalTemplate, TemplateBuildConfig>();

export function setBuildConfig(template: LocalTemplate, config: TemplateBuildConfig): void {
  configs.set(template, config);
}

/**
 * Template ids and build ids come from one sequence, so that one number never names both: the
 * SDKs read a build's log with the template id in the build id's place.
 */
const sequences = new WeakMap<LocalState, number>();
export function nextId(state: LocalState): string {
  const used = [...state.templates.values()].map((t) => Number(t.id)).filter(Number.isInteger);
  const next = Math.max(sequences.get(state) ?? 100, ...used) + 1;
  sequences.set(state, next);
  return String(next);
}

/** The spec's `Template`: the shared fields plus what its build asked for. */
export function fullTemplateJson(template: LocalTemplate): Record<string, unknown> {
  const build = configs.get(template);
  const shared = Object.entries(templateJson(template)).filter(
    // A custom template has no description, category or language: LocalTemplate holds '' for them.
    ([key, value]) => !(['description', 'category', 'language'].includes(key) && value === ''),
  );
  return {
    ...Object.fromEntries(shared),
    ...(build ? { default_resources: build.resources, fluent_api_config: build.config } : {}),
  };
}

/** The spec's `TemplateListItem` (a Template without its build configuration). */
export function templateListItem(template: LocalTemplate): Record<string, unknown> {
  const { fluent_api_config: _config, ...item } = fullTemplateJson(template);
  return item;
}

/** The template a `{name}` parameter names: its numeric id first (the SDKs send that), then its name. */
export function findTemplate(state: LocalState, nameOrId: string): LocalTemplate | undefined {
  const templates = [...state.templates.values()];
  return templates.find((t) => t.id === nameOrId) ?? templates.find((t) => t.name === nameOrId);
}

export function templateOr404(state: LocalState, nameOrId: string): LocalTemplate {
  const found = findTemplate(state, nameOrId);
  if (!found) throw new ApiError(404, 'INVALID_REQUEST', `template ${nameOrId} not found`);
  return found;
}

export type TemplateEventType =
  | 'template.created'
  | 'template.updated'
  | 'template.deleted'
  | 'template.status_changed';

/** Records a change on `GET /v1/templates/stream`. */
export function templateEvent(local: Local, type: TemplateEventType, template: LocalTemplate): void {
  local.state.templateEvents.append(type, {
    type,
    template_id: template.id,
    status: template.status,
    template: templateListItem(template),
    timestamp: new Date().toISOString(),
  });
}
