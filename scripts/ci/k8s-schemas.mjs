#!/usr/bin/env node
// Builds kubeconform's schema folder offline: one strict JSON schema per Kubernetes kind, from the
// cluster's OpenAPI spec (swagger.json of the k8s.io/kubernetes module), and from CRD files
// (ServiceMonitor, PrometheusRule, ScaledObject). "Strict" = no property the API does not know.
//   node k8s-schemas.mjs <swagger.json> <out dir> [crd.yaml ...]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(join(process.cwd(), 'package.json'));
const { parseAllDocuments } = require('yaml');
const [swaggerPath, out, ...crdPaths] = process.argv.slice(2);
if (!swaggerPath || !out) {
  console.error('usage: k8s-schemas.mjs <swagger.json> <out dir> [crd.yaml ...]');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

/** Objects with properties allow nothing else; int-or-string and quantities take either. */
function strict(schema) {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const s = Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [k, k === 'enum' || k === 'default' || k === 'example' ? v : strict(v)]),
  );
  if (s['x-kubernetes-int-or-string'] || s.format === 'int-or-string') {
    delete s.type;
    s.oneOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields'])
    s.additionalProperties = false;
  return s;
}

const fileName = (kind, group, version) =>
  `${kind.toLowerCase()}${group ? `-${group.split('.')[0]}` : ''}-${version}.json`;
let written = 0;

// Kubernetes' own kinds: the definition plus every definition it reaches, refs kept local.
const definitions = JSON.parse(readFileSync(swaggerPath, 'utf8')).definitions;
for (const key of Object.keys(definitions)) {
  if (key.startsWith('io.k8s.apimachinery.pkg.api.resource.Quantity'))
    definitions[key] = { oneOf: [{ type: 'string' }, { type: 'number' }] };
  if (key === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString')
    definitions[key] = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
}
function reachable(start) {
  const seen = new Set([start]);
  const pending = [definitions[start]];
  while (pending.length) {
    const text = JSON.stringify(pending.pop());
    for (const [, ref] of text.matchAll(/"#\/definitions\/([^"]+)"/g)) {
      if (!seen.has(ref)) {
        seen.add(ref);
        pending.push(definitions[ref]);
      }
    }
  }
  return seen;
}
for (const [key, def] of Object.entries(definitions)) {
  const gvks = def['x-kubernetes-group-version-kind'];
  if (!gvks || !def.properties?.apiVersion) continue;
  const refs = Object.fromEntries([...reachable(key)].filter((k) => k !== key).map((k) => [k, strict(definitions[k])]));
  for (const { group, version, kind } of gvks) {
    const schema = { ...strict(def), definitions: refs };
    schema.properties = {
      ...schema.properties,
      apiVersion: { enum: [group ? `${group}/${version}` : version] },
      kind: { enum: [kind] },
    };
    writeFileSync(join(out, fileName(kind, group, version)), JSON.stringify(schema));
    written += 1;
  }
}

// Custom resources: each served version's openAPIV3Schema.
for (const path of crdPaths) {
  for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
    const crd = doc.toJS();
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    for (const v of crd.spec.versions) {
      const schema = strict(v.schema.openAPIV3Schema);
      schema.properties = {
        ...schema.properties,
        apiVersion: { enum: [`${crd.spec.group}/${v.name}`] },
        kind: { enum: [crd.spec.names.kind] },
      };
      writeFileSync(join(out, fileName(crd.spec.names.kind, crd.spec.group, v.name)), JSON.stringify(schema));
      written += 1;
    }
  }
}
console.error(`[k8s-schemas] ${written} schemas in ${out}`);
