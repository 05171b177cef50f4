import { heldTickObjects } from './tick-object-shape';

describe('the held tick object', () => {
  it('is the one tick object of the call made at import: the hook is off afterwards', async () => {
    expect(heldTickObjects()).toEqual([expect.objectContaining({ callback: expect.any(Function) })]);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(heldTickObjects()).toHaveLength(1);
  });
});
