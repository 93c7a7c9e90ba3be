/**
 * `GET /doc`: the OpenAPI 3.1 document, generated from the route declarations (never written by
 * hand). `GET /ui`: a self-contained reference page that renders it. The page loads nothing from
 * a CDN: a self-hosted server's docs must work on a network that reaches only the server.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context.js';
import { declaredPolicies } from '../define-route.js';
import { authorizeStep } from '../middleware/authorize.js';

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Threadgate',
    version: '0.1.0',
    description:
      'End-user auth and thread storage for AI assistants, wire-compatible with the assistant-cloud client. ' +
      'Every error is {"error": code, "message": text}; see docs/errors.md.',
  },
} as const;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Threadgate API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:24px;color:#1c1c1c}
h1{margin-bottom:0}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px;text-transform:capitalize}
details{border:1px solid #e3e3e3;border-radius:6px;margin:8px 0;padding:6px 10px}
summary{cursor:pointer}code,pre{font:13px ui-monospace,monospace}pre{background:#f6f6f6;padding:8px;overflow:auto}
.m{display:inline-block;min-width:64px;font-weight:700;text-transform:uppercase}
.get{color:#0a7}.post{color:#06c}.put{color:#a60}.delete{color:#c22}.patch{color:#808}
</style></head><body><h1>Threadgate API reference</h1><p id="d"></p><div id="r">Loading /doc…</div>
<script>
fetch('doc').then(r=>r.json()).then(doc=>{
  document.getElementById('d').textContent=doc.info.description;
  const byTag={};
  for(const [path,ops] of Object.entries(doc.paths))for(const [method,op] of Object.entries(ops)){
    const tag=(op.tags&&op.tags[0])||'other';(byTag[tag]=byTag[tag]||[]).push({path,method,op});}
  const root=document.getElementById('r');root.textContent='';
  for(const [tag,list] of Object.entries(byTag)){
    const h=document.createElement('h2');h.textContent=tag;root.appendChild(h);
    for(const {path,method,op} of list){
      const d=document.createElement('details');const s=document.createElement('summary');
      const m=document.createElement('span');m.className='m '+method;m.textContent=method;
      const p=document.createElement('code');p.textContent=path;
      s.append(m,' ',p,' — '+(op.summary||''));d.appendChild(s);
      const pre=document.createElement('pre');
      pre.textContent=JSON.stringify({parameters:op.parameters,requestBody:op.requestBody,responses:op.responses},null,2);
      d.appendChild(pre);root.appendChild(d);}}
}).catch(e=>{document.getElementById('r').textContent='Could not load /doc: '+e});
</script></body></html>`;

/** /doc and /ui are not OpenAPI operations, so their policy is declared and applied here. */
export function registerDocs(app: OpenAPIHono<AppEnv>): void {
  const policy = { category: 'documentation' } as const;
  for (const path of ['/doc', '/ui']) {
    declaredPolicies.set(`GET ${path}`, policy);
    app.use(path, authorizeStep(policy));
  }
  app.doc31('/doc', OPENAPI_INFO);
  app.get('/ui', (c) => c.html(PAGE));
}
