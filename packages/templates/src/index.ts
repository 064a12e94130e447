export { createTemplates } from './create-templates.js';
export { createPreviewHandler, type PreviewOptions } from './preview-handler.js';
export { templatesOptions, type TemplatesOptions } from './templates-options.js';
export type { TemplateSource } from './compile-template.js';
export type { TemplateValue, TemplateVariables } from './placeholders.js';
export type { TemplateVersion } from './template-store.js';
export type {
  RenderedTemplate,
  RenderOptions,
  SavedTemplate,
  SendOptions,
  SentTemplate,
  TemplateEnvelope,
  TemplateOutbox,
  Templates,
} from './templates-types.js';
export { TemplatesError, type TemplatesErrorCode } from './templates-errors.js';
