import {
  EntityExistsError,
  EntityNotFoundError,
  EntityRef,
  RemoteError,
  type Transport,
} from '@stateflow/client';
import { expect } from 'vitest';

/** The generated module's exports this flow uses (imported at run time from `.generated/`). */
export interface ShopModule {
  createShopClient: (transport: Transport) => {
    client: { getState(entity: string, key: string): Promise<Record<string, unknown> | undefined>; close(): Promise<void> };
    item(key: string | EntityRef<'Item'>): { update_stock(amount: number | bigint, call?: object): Promise<boolean> } & EntityRef<'Item'>;
    user(key: string | EntityRef<'User'>): {
      buy_item(amount: number | bigint, item: EntityRef<'Item'>, call?: object): Promise<boolean>;
      update_balance(x: number | bigint, call?: object): Promise<unknown>;
    } & EntityRef<'User'>;
    Item: { create(name: string, price: number | bigint): Promise<EntityRef<'Item'> & { update_stock(amount: number): Promise<boolean> }> };
    User: { create(name: string): Promise<EntityRef<'User'> & { buy_item(amount: number, item: EntityRef<'Item'>): Promise<boolean> }> };
    close(): Promise<void>;
  };
}

/**
 * The shop flow through a generated client, with the outcomes plain Python gives:
 * creates, calls, a purchase refused for money, a user exception, system errors,
 * state with entity references, and a call repeated with one request id.
 */
export async function runShopFlow(
  mod: ShopModule,
  transport: Transport,
  suffix: string,
  readState?: (entity: string, key: string) => Promise<Record<string, unknown> | undefined>,
): Promise<void> {
  const shop = mod.createShopClient(transport);
  const getState = readState ?? ((entity: string, key: string) => shop.client.getState(entity, key));
  const cokeKey = `coke-${suffix}`;
  const annKey = `ann-${suffix}`;

  const coke = await shop.Item.create(cokeKey, 2);
  expect(coke).toBeInstanceOf(EntityRef);
  expect([coke.entity, coke.key]).toEqual(['Item', cokeKey]);
  expect(await coke.update_stock(10)).toBe(true);

  const ann = await shop.User.create(annKey);
  expect(await shop.user(ann).update_balance(100)).toBeNull();
  expect(await ann.buy_item(3, coke)).toBe(true);
  // 2 * 100 is more than the 95 left: the method returns False.
  expect(await shop.user(annKey).buy_item(100, shop.item(cokeKey))).toBe(false);
  // A plain EntityRef works where a stub does.
  expect(await shop.user(annKey).buy_item(1, new EntityRef('Item', cokeKey))).toBe(true);

  // The item raises NotEnoughStock: a user exception, state unchanged.
  await shop.user(annKey).update_balance(1000);
  const raised = await shop.user(annKey).buy_item(50, coke).catch((e: unknown) => e);
  expect(raised).toBeInstanceOf(RemoteError);
  expect(raised).toMatchObject({ type: 'NotEnoughStock', message: `only 6 of ${cokeKey} left`, code: undefined, isUserException: true });

  await expect(shop.Item.create(cokeKey, 5)).rejects.toBeInstanceOf(EntityExistsError);
  await expect(shop.item(`pepsi-${suffix}`).update_stock(1)).rejects.toBeInstanceOf(EntityNotFoundError);

  // The same request id twice: the second call returns the recorded outcome, stock moves once.
  const requestId = `restock-${suffix}`;
  expect(await shop.item(cokeKey).update_stock(5, { requestId })).toBe(true);
  expect(await shop.item(cokeKey).update_stock(5, { requestId })).toBe(true);

  const item = await getState('Item', cokeKey);
  expect(item).toEqual({ item_name: cokeKey, stock: 11, price: 2 });
  const user = await getState('User', annKey);
  expect(user).toMatchObject({ username: annKey, balance: 1 + 100 - 6 - 2 + 1000, items: [new EntityRef('Item', cokeKey), new EntityRef('Item', cokeKey)] });
  expect(await getState('User', `nobody-${suffix}`)).toBeUndefined();
}
