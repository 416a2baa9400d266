// Entry point `hopx-api/template-build`: the template build flow. Kept apart from the core client
// because it needs Node's file system and an archive library.

export type { BuildTemplateOptions, BuiltTemplate, TemplateDefinition, TemplateStep } from './build-template.js';
export { buildTemplate, HopxTemplateBuildError } from './build-template.js';
export { hashCopyStep } from './files-hash.js';
export { packContext } from './pack-context.js';
