import { heldTickObjects } from './tick-object-shape';

describe('the held tick object', () => {
  it('is the tick object of the call made at import, and the only one held', async () => {
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(heldTickObjects()).toEqual([expect.objectContaining({ callback: expect.any(Function) })]);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(heldTickObjects()).toHaveLength(1);
  });
});
