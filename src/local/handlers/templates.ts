// Control Plane: templates. The built-in ones (templates.ts) and the ones builds made, listed with
// the SDKs' category and language filters, fetched by name or numeric id, and deleted (never a
// built-in one, nor one that sandboxes still run from).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../api-error.js';
import { buildRecords } from '../build-record.js';
import { type Handler, json } from '../context.js';
import { fullTemplateJson, templateEvent, templateListItem, templateOr404 } from '../custom-templates.js';

export const templatesHandlers: Record<string, Handler> = {
  listTemplates(ctx) {
    const same = (a: string, b: unknown) => b === undefined || a.toLowerCase() === String(b).toLowerCase();
    const found = [...ctx.local.state.templates.values()]
      .filter((t) => same(t.category, ctx.query.category) && same(t.language, ctx.query.language))
      .sort((a, b) => Number(a.id) - Number(b.id) || a.name.localeCompare(b.name));
    return json(200, {
      object: 'list',
      // The platform answers `null`, not `[]`, when nothing matches.
      data: found.length ? found.map(templateListItem) : null,
      has_more: false,
      url: '/v1/templates',
      request_id: ctx.requestId,
    });
  },

  getTemplate(ctx) {
    const template = templateOr404(ctx.local.state, String(ctx.path.name));
    return json(200, { ...fullTemplateJson(template), request_id: ctx.requestId });
  },

  async deleteTemplate(ctx) {
    const { state } = ctx.local;
    const template = templateOr404(state, String(ctx.path.name));
    if (template.builtIn)
      throw new ApiError(
        403,
        'PERMISSION_DENIED',
        `template ${template.name} is a public template and cannot be deleted`,
      );
    const users = [...state.sandboxes.values()].filter((s) => s.template === template).length;
    if (users)
      throw new ApiError(
        409,
        'INVALID_REQUEST',
        `template ${template.name} is in use by ${users} sandbox${users === 1 ? '' : 'es'}: delete ${users === 1 ? 'it' : 'them'} first`,
      );
    // A build still running for it stops (its record stays, so its log can still be read).
    for (const build of buildRecords(state).values()) if (build.template === template) build.close();
    state.templates.delete(template.id);
    await rm(join(ctx.local.dataDir, 'templates', template.id), { recursive: true, force: true });
    templateEvent(ctx.local, 'template.deleted', template);
    return json(200, {
      id: template.id,
      name: template.name,
      deleted: true,
      message: 'Template deleted',
      request_id: ctx.requestId,
    });
  },
};
