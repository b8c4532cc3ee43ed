import type { AuthorizationServerSource } from '../discovery/authorization-server-source.js';
import {
  InlineAuthorizationServerSettings,
  type AuthorizationServerForm,
} from './authorization-server.settings.js';
import type { McpAuthSettings } from './mcp-auth.settings.js';
import { toOptions } from './option-tree.js';
import { ResourceSettings } from './resource.settings.js';

/** One resource of validated options: where the user wrote it, its own options, the servers it trusts. */
export interface ResourceEntry {
  /** Its option path: `resource`, or `resource[i]`. */
  readonly option: string;
  readonly own: ResourceSettings;
  /** Its own `authorizationServers`, else the module's. */
  readonly servers: readonly AuthorizationServerSource[];
}

/** The resources of validated options, shorthands expanded, each with the servers it trusts. */
export function resourceEntries(settings: McpAuthSettings): ResourceEntry[] {
  const forms = settings.resource;
  const moduleServers = sources(settings.authorizationServers, 'authorizationServers');
  return (Array.isArray(forms) ? forms : [forms]).map((form, i) => {
    const option = Array.isArray(forms) ? `resource[${i}]` : 'resource';
    const own = typeof form === 'string' ? toOptions(ResourceSettings, { resource: form }) : form;
    const servers =
      own.authorizationServers === undefined
        ? moduleServers
        : sources(own.authorizationServers, `${option}.authorizationServers`);
    return { option, own, servers };
  });
}

function sources(
  forms: AuthorizationServerForm | AuthorizationServerForm[] | undefined,
  option: string,
): AuthorizationServerSource[] {
  if (forms === undefined) return [];
  if (!Array.isArray(forms)) return [source(forms, option)];
  return forms.map((form, i) => source(form, `${option}[${i}]`));
}

function source(form: AuthorizationServerForm, option: string): AuthorizationServerSource {
  if (typeof form === 'string') return { issuer: form, option };
  if (form instanceof InlineAuthorizationServerSettings) {
    return { issuer: form.metadata.issuer, type: form.type, metadata: form.metadata, option };
  }
  const { issuer, type, wellKnownUrl, transpile } = form;
  return { issuer, type, wellKnownUrl, transpile, option };
}
