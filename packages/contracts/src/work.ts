import { z } from 'zod';
import { amountSchema } from './amount';
import { idSchema } from './ids';

/** One attempt at one item, as the scheduler hands it to a browser worker. */
export const workMessageSchema = z.object({
  batchId: idSchema,
  itemId: idSchema,
  /** 1 for the first attempt; only the latest attempt's outcome counts. */
  attempt: z.number().int().min(1),
  orderUrl: z.url(),
  amount: amountSchema,
  /** Hard deadline of this attempt in milliseconds, from BATCH_TASK_TIMEOUT. */
  timeoutMs: z.number().int().positive(),
  dispatchedAt: z.iso.datetime(),
  /**
   * Set when an earlier attempt may have reached a step that changes the site. The worker then
   * runs the recipe's verification first, or fails the attempt as unsafe to retry.
   */
  verifyFirst: z.boolean().default(false),
});

export type WorkMessage = z.infer<typeof workMessageSchema>;

/** Message id of a work message, so that a repeated dispatch of one attempt is dropped. */
export function workMessageId(itemId: string, attempt: number): string {
  return `work:${itemId}:${attempt}`;
}
