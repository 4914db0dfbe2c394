/** URNs and the discovery documents of Roost's SCIM 2.0 service (RFC 7643 sections 5-7). */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const EM_SCHEMA = 'urn:roost:params:scim:schemas:extension:em:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RT_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export const MAX_PAGE = 200;

type Attr = Record<string, unknown>;
const attr = (name: string, extra: Attr = {}): Attr => ({
  name,
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});
const complex = (name: string, subAttributes: Attr[], extra: Attr = {}) =>
  attr(name, { type: 'complex', subAttributes, ...extra });

const SCHEMAS: Attr[] = [
  {
    id: USER_SCHEMA,
    name: 'User',
    description: 'A person who books desks. userName is the email address.',
    attributes: [
      attr('userName', { required: true, uniqueness: 'server' }),
      complex('name', [attr('formatted'), attr('givenName'), attr('familyName')]),
      attr('displayName'),
      attr('active', { type: 'boolean' }),
      complex('emails', [attr('value'), attr('type'), attr('primary', { type: 'boolean' })], {
        multiValued: true,
      }),
      complex(
        'groups',
        [
          attr('value', { mutability: 'readOnly' }),
          attr('display', { mutability: 'readOnly' }),
          attr('$ref', { type: 'reference', referenceTypes: ['Group'], mutability: 'readOnly' }),
        ],
        { multiValued: true, mutability: 'readOnly' },
      ),
    ],
  },
  {
    id: ENTERPRISE_SCHEMA,
    name: 'EnterpriseUser',
    description: 'Enterprise User: Roost keeps the department.',
    attributes: [attr('department')],
  },
  {
    id: EM_SCHEMA,
    name: 'ExtensionMobilityUser',
    description:
      'Cisco Extension Mobility: the EM user ID and the device profile Roost logs in on a desk phone.',
    attributes: [
      attr('emUserId', { uniqueness: 'server', caseExact: true }),
      attr('deviceProfile', { caseExact: true }),
    ],
  },
  {
    id: GROUP_SCHEMA,
    name: 'Group',
    description:
      'A team. Names listed in ROOST_OIDC_FACILITIES_GROUPS or ROOST_OIDC_ADMIN_GROUPS also give their members that role.',
    attributes: [
      attr('displayName', { required: true, uniqueness: 'server' }),
      complex(
        'members',
        [
          attr('value', { mutability: 'immutable' }),
          attr('display'),
          attr('$ref', { type: 'reference', referenceTypes: ['User'], mutability: 'immutable' }),
        ],
        { multiValued: true },
      ),
    ],
  },
];

export function serviceProviderConfig(base: string) {
  return {
    schemas: [SPC_SCHEMA],
    documentationUri: 'https://github.com/roost/roost#scim',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'Authorization: Bearer <ROOST_SCIM_TOKEN>',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypes(base: string) {
  return [
    {
      schemas: [RT_SCHEMA],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      schema: USER_SCHEMA,
      schemaExtensions: [
        { schema: ENTERPRISE_SCHEMA, required: false },
        { schema: EM_SCHEMA, required: false },
      ],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
    },
    {
      schemas: [RT_SCHEMA],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      schema: GROUP_SCHEMA,
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` },
    },
  ];
}

export function schemas(base: string) {
  return SCHEMAS.map((s) => ({
    schemas: [SCHEMA_SCHEMA],
    ...s,
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${s.id as string}` },
  }));
}

export function listResponse<T>(all: T[], startIndex: number, count: number) {
  const page = all.slice(startIndex - 1, startIndex - 1 + count);
  return {
    schemas: [LIST_SCHEMA],
    totalResults: all.length,
    startIndex,
    itemsPerPage: page.length,
    Resources: page,
  };
}
