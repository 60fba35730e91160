/**
 * A self-contained API reference that reads `/openapi.json` and lets a user send requests with
 * a bearer token. It loads nothing from other hosts, so it works offline and behind strict
 * egress rules.
 */
export const DOCS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Orderflow API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1000px; padding: 1rem; color: #222; }
  h1 { font-size: 1.4rem; }
  details { border: 1px solid #ccd; border-radius: 6px; margin: .4rem 0; }
  summary { cursor: pointer; padding: .4rem .6rem; }
  .method { display: inline-block; min-width: 4.5em; font-weight: 600; text-transform: uppercase; }
  .get { color: #1565c0; } .post { color: #2e7d32; } .put { color: #ef6c00; }
  form { padding: .4rem .8rem .8rem; }
  label { display: block; margin: .3rem 0; }
  input[type=text], textarea { width: 100%; box-sizing: border-box; font: 13px monospace; }
  textarea { height: 8em; }
  pre { background: #f5f5f7; padding: .6rem; overflow: auto; max-height: 24em; }
  .muted { color: #666; }
</style>
</head>
<body>
<h1>Orderflow API</h1>
<p class="muted">Generated from <a href="/openapi.json">/openapi.json</a>. Requests are sent from
this page with the token below.</p>
<label>Bearer token <input type="text" id="token" autocomplete="off" placeholder="token"></label>
<div id="operations">Loading…</div>
<script>
const tokenInput = document.getElementById('token');
tokenInput.value = sessionStorage.getItem('orderflowToken') || '';
tokenInput.addEventListener('change', () => sessionStorage.setItem('orderflowToken', tokenInput.value));

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, attributes);
  for (const child of children) node.append(child);
  return node;
}

function exampleBody(operation) {
  const schema = operation.requestBody?.content?.['application/json']?.schema;
  if (!schema) return undefined;
  if (schema.properties?.task_items) {
    return JSON.stringify({ name: 'example', task_items: [{ order_url: 'https://shop.example/order/1', amount: '12.50' }] }, null, 2);
  }
  if (schema.properties?.action) return JSON.stringify({ action: 'start' }, null, 2);
  if (schema.properties?.status) return JSON.stringify({ status: 'success', order_number: '' }, null, 2);
  return '{}';
}

function renderOperation(path, method, operation) {
  const parameters = operation.parameters || [];
  const inputs = parameters.map((parameter) =>
    element('label', {}, parameter.name + ' (' + parameter.in + ')',
      element('input', { type: 'text', name: parameter.name })));
  const body = exampleBody(operation);
  const multipart = operation.requestBody?.content?.['multipart/form-data'];
  const bodyInput = body === undefined ? undefined : element('textarea', { value: body });
  const fileInput = multipart ? element('input', { type: 'file' }) : undefined;
  const nameInput = multipart ? element('input', { type: 'text', placeholder: 'name' }) : undefined;
  const output = element('pre', { textContent: '' });

  const form = element('form', {}, ...inputs);
  if (bodyInput) form.append(element('label', {}, 'JSON body', bodyInput));
  if (multipart) form.append(element('label', {}, 'name', nameInput), element('label', {}, 'file', fileInput));
  form.append(element('button', { type: 'submit', textContent: 'Send' }), output);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let url = path;
    const query = new URLSearchParams();
    parameters.forEach((parameter, index) => {
      const value = inputs[index].querySelector('input').value;
      if (parameter.in === 'path') url = url.replace('{' + parameter.name + '}', encodeURIComponent(value));
      else if (value) query.set(parameter.name, value);
    });
    if (query.size) url += '?' + query;
    const headers = { authorization: 'Bearer ' + tokenInput.value };
    let requestBody;
    if (bodyInput) { headers['content-type'] = 'application/json'; requestBody = bodyInput.value; }
    if (multipart) {
      requestBody = new FormData();
      requestBody.set('name', nameInput.value);
      if (fileInput.files[0]) requestBody.set('file', fileInput.files[0]);
    }
    output.textContent = 'Sending…';
    const response = await fetch(url, { method: method.toUpperCase(), headers, body: requestBody });
    const type = response.headers.get('content-type') || '';
    const text = type.includes('json') ? JSON.stringify(await response.json(), null, 2)
      : type.startsWith('text/') ? await response.text() : '(' + type + ' body)';
    output.textContent = response.status + ' ' + response.statusText + '\\n\\n' + text;
  });

  return element('details', {},
    element('summary', {}, element('span', { className: 'method ' + method, textContent: method }),
      path + ' ', element('span', { className: 'muted', textContent: operation.summary || '' })),
    form);
}

fetch('/openapi.json').then((response) => response.json()).then((document_) => {
  const container = document.getElementById('operations');
  container.textContent = '';
  for (const [path, item] of Object.entries(document_.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      container.append(renderOperation(path, method, operation));
    }
  }
});
</script>
</body>
</html>
`;
