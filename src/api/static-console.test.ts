/** The console's static files with the SPA fallback; API paths keep their JSON 404. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, apiFixture } from './testing.ts';

describe('static console', () => {
  let fx: ApiFixture;
  let web: string;
  before(async () => {
    web = await mkdtemp(join(tmpdir(), 'parley-web-'));
    await writeFile(join(web, 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(web, 'phone.html'), '<!doctype html><title>phone</title>');
    await writeFile(join(web, 'app.js'), 'console.log(1)');
    fx = await apiFixture({ staticDir: web });
  });
  after(async () => {
    await fx.close();
    await rm(web, { recursive: true, force: true });
  });

  const get = (url: string) => fx.app.inject({ method: 'GET', url });

  it('serves files and the console for any other page', async () => {
    assert.match((await get('/')).body, /console/);
    assert.equal((await get('/app.js')).body, 'console.log(1)');
    const deep = await get('/conferences/c_123?tab=people');
    assert.equal(deep.statusCode, 200);
    assert.match(deep.body, /<title>console/);
    assert.match((await get('/phone')).body, /<title>phone/);
    assert.match((await get('/phone/call/102')).body, /<title>phone/);
    await writeFile(join(web, 'rebuilt.js'), 'console.log(2)');
    assert.equal((await get('/rebuilt.js')).body, 'console.log(2)', 'a file added while running is served');
  });

  it('keeps API paths and /ws out of the fallback', async () => {
    for (const url of ['/api/missing', '/metrics/x', '/ws']) {
      const r = await get(url);
      assert.equal(r.statusCode, 404, url);
      assert.equal(r.json().error.code, 'NOT_FOUND');
    }
  });

  it('without a built console, / is a JSON 404', async () => {
    const none = await apiFixture({ store: fx.store, staticDir: join(web, 'missing') });
    const r = await none.app.inject({ method: 'GET', url: '/' });
    assert.equal(r.statusCode, 404);
    await none.close();
  });
});
