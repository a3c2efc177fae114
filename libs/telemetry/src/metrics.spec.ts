import { oncePerScrape, ServiceMetrics } from './metrics';

describe('ServiceMetrics', () => {
  it('reads a shared source once for the gauges of one scrape, and again for the next scrape', async () => {
    const m = new ServiceMetrics({ service: 'gis', tier: '350206' });
    let reads = 0;
    const source = oncePerScrape(async () => {
      reads += 1;
      await new Promise((r) => setTimeout(r, 5));
      return { rows: 3, age: 7 };
    });
    m.observe('gm.test.rows', 'rows', '{row}', async () => [{ value: (await source()).rows }]);
    m.observe('gm.test.age_seconds', 'age', 's', async () => [{ value: (await source()).age }]);
    const text = await m.scrape();
    expect(text).toContain('gm_test_rows{service="gis",tier="350206"} 3');
    expect(text).toContain('gm_test_age_seconds{service="gis",tier="350206"} 7');
    expect(reads).toBe(1);
    await m.scrape();
    expect(reads).toBe(2);
    await m.shutdown();
  });

  it('leaves a gauge whose source fails out of the scrape, and the scrape still answers', async () => {
    const m = new ServiceMetrics({ service: 'gis', tier: '350206' });
    m.observe('gm.test.broken', 'broken', '1', async () => {
      throw new Error('NATS is away');
    });
    m.observe('gm.test.fine', 'fine', '1', () => [{ value: 1, attributes: { kind: 'x' } }]);
    const text = await m.scrape();
    expect(text).not.toMatch(/^gm_test_broken/m);
    expect(text).toContain('gm_test_fine{service="gis",tier="350206",kind="x"} 1');
    await m.shutdown();
  });
});
