import { CASE_ACTIONS } from '@gm/contracts';
import { render, templateFor, workOrderMessage } from './templates';

describe('reporter notification templates', () => {
  it('fill the case number and the closing note, in Chinese and English', () => {
    const out = render(templateFor('close')!, { no: 'C-350206-0001', note: '已清理完毕' });
    expect(out.body).toEqual({ zh: '您上报的问题 C-350206-0001 已办结。处理结果：已清理完毕', en: 'Your report C-350206-0001 has been closed. Outcome: 已清理完毕' });
    expect(out.title).toEqual({ zh: '已办结', en: 'Closed' });
  });

  it('leave no dangling label when a step has no note', () => {
    expect(render(templateFor('reject')!, { no: 'N1' }).body).toEqual({ zh: '您上报的问题 N1 不予受理。', en: 'Your report N1 was not accepted.' });
    expect(render(templateFor('self_handle')!, { no: 'N2' }).body.en).toBe('Your report N2 was solved on the spot and closed.');
  });

  it('tell the reporter of every status change, and nothing of urges, extensions and ratings', () => {
    const silent = CASE_ACTIONS.filter((a) => templateFor(a) === undefined).sort();
    expect(silent).toEqual(['approve_extension', 'deny_extension', 'rate', 'request_extension', 'urge']);
    expect(templateFor('reported')).toBeDefined();
  });
});

describe('work-order messages', () => {
  it('name the work order, its title and the department in each language', () => {
    const m = workOrderMessage('resolve', { no: 'GD20261206000001', title: '清理堆物', department: { zh: '城管', en: 'Urban management' }, note: '已清理' })!;
    expect(m.body).toEqual({ zh: '城管 已办结工单 GD20261206000001（清理堆物）：已清理', en: 'Urban management has resolved work order GD20261206000001 (清理堆物): 已清理' });
    expect(workOrderMessage('urge', { no: 'N', title: 'T', department: { zh: 'd', en: 'd' }, note: { zh: '（超时）', en: '(late)' } })!.body.en).toBe('Work order N (T) has been urged: please act on it now. (late)');
    expect(workOrderMessage('withdraw', { no: 'N', title: 'T', department: { zh: 'd', en: 'd' } })).toBeUndefined();
  });
});
