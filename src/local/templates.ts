// The templates every local HopX starts with. They have no filesystem of their own: a sandbox made
// from them sees this machine's system (namespace mode) with an empty /workspace.
import type { LocalTemplate } from './state.js';

export function builtInTemplates(): LocalTemplate[] {
  const at = new Date();
  const template = (
    id: string,
    name: string,
    displayName: string,
    description: string,
    language: string,
    category: string,
  ): LocalTemplate => ({
    id,
    name,
    displayName,
    description,
    category,
    language,
    root: undefined,
    env: {},
    workdir: undefined,
    startCmd: undefined,
    status: 'active',
    isActive: true,
    isPublic: true,
    builtIn: true,
    buildId: undefined,
    errorMessage: undefined,
    createdAt: at,
    updatedAt: at,
  });
  return [
    template(
      '1',
      'code-interpreter',
      'Code Interpreter',
      "Python, JavaScript and Bash with this machine's interpreters (local HopX).",
      'python',
      'development',
    ),
    template(
      '2',
      'base',
      'Base',
      "A bare sandbox: this machine's shell and tools (local HopX).",
      'bash',
      'development',
    ),
  ];
}

/** A template as the spec's `Template`. */
export function templateJson(template: LocalTemplate): Record<string, unknown> {
  return {
    id: template.id,
    name: template.name,
    display_name: template.displayName,
    description: template.description,
    category: template.category,
    language: template.language,
    is_active: template.isActive,
    is_public: template.isPublic,
    status: template.status,
    ...(template.buildId ? { build_id: template.buildId } : {}),
    ...(template.errorMessage ? { error_message: template.errorMessage } : {}),
    created_at: template.createdAt.toISOString(),
    updated_at: template.updatedAt.toISOString(),
    object: 'template',
  };
}
