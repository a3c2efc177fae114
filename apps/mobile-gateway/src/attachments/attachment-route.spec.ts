import { routeAttachmentRead } from './attachment-route';

const DISTRICT = '350206';
const STREET = '350206001';
const COMMUNITY = '350206001001';
const GRID = '350206001001-07';
const SIBLING_GRID = '350206001001-08';
const OTHER_STREET = '350206002';

describe('routeAttachmentRead', () => {
  it('serves what this tier holds, federated or not', () => {
    expect(routeAttachmentRead(GRID, GRID, 'reader', false)).toEqual({ kind: 'here' });
    expect(routeAttachmentRead(STREET, STREET, 'parent', true)).toEqual({ kind: 'here' });
  });

  it('goes down one level at a time towards a descendant', () => {
    expect(routeAttachmentRead(DISTRICT, GRID, 'reader', true)).toEqual({ kind: 'down', child: STREET });
    expect(routeAttachmentRead(STREET, GRID, 'parent', true)).toEqual({ kind: 'down', child: COMMUNITY });
    expect(routeAttachmentRead(COMMUNITY, GRID, 'parent', true)).toEqual({ kind: 'down', child: GRID });
  });

  it('goes up to the parent towards an ancestor', () => {
    expect(routeAttachmentRead(GRID, DISTRICT, 'reader', true)).toEqual({ kind: 'up', parent: COMMUNITY });
    expect(routeAttachmentRead(COMMUNITY, DISTRICT, 'child', true)).toEqual({ kind: 'up', parent: STREET });
    expect(routeAttachmentRead(STREET, DISTRICT, 'child', true)).toEqual({ kind: 'up', parent: DISTRICT });
  });

  it('never turns: a child cannot go down another branch through its parent, a parent cannot go up', () => {
    expect(routeAttachmentRead(COMMUNITY, SIBLING_GRID, 'child', true)).toMatchObject({ kind: 'refused' });
    expect(routeAttachmentRead(COMMUNITY, DISTRICT, 'parent', true)).toMatchObject({ kind: 'refused' });
  });

  it('refuses a tier beside its own path, and any other tier when it runs alone', () => {
    expect(routeAttachmentRead(GRID, SIBLING_GRID, 'reader', true)).toEqual({ kind: 'refused', why: `tier ${SIBLING_GRID} is neither above nor below tier ${GRID}` });
    expect(routeAttachmentRead(COMMUNITY, OTHER_STREET, 'reader', true)).toMatchObject({ kind: 'refused' });
    expect(routeAttachmentRead(DISTRICT, GRID, 'reader', false)).toEqual({ kind: 'refused', why: `tier ${DISTRICT} runs alone: it holds only its own attachments` });
  });
});
