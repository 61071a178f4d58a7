import { describe, expect, it } from 'vitest';
import { listGraphMethods, renderGraph, tryRenderGraph, UnknownGraphMethodError } from '../../dist/index.js';
import { loadFixture } from '../support/fixtures.js';

const shop = loadFixture('shop.ir.json');
const bank = loadFixture('bank.ir.json');

describe('renderGraph, dataflow', () => {
  it('draws one operator per entity and deduplicated call edges as Mermaid', () => {
    expect(renderGraph(shop, { format: 'mermaid' })).toMatchInlineSnapshot(`
      "flowchart LR
        n0(["ingress"])
        n1["Item"]
        n2["User"]
        n3(["egress"])
        n0 --> n1
        n0 --> n2
        n2 -->|"read price"| n1
        n2 -->|"invoke update_stock"| n1
        n1 --> n3
        n2 --> n3
      "
    `);
  });

  it('draws the same graph as DOT', () => {
    expect(renderGraph(shop, { format: 'dot' })).toMatchInlineSnapshot(`
      "digraph "dataflow" {
        rankdir=LR;
        node [shape=box];
        n0 [label="ingress", shape=oval];
        n1 [label="Item"];
        n2 [label="User"];
        n3 [label="egress", shape=oval];
        n0 -> n1;
        n0 -> n2;
        n2 -> n1 [label="read price"];
        n2 -> n1 [label="invoke update_stock"];
        n1 -> n3;
        n2 -> n3;
      }
      "
    `);
  });

  it('labels create, invoke and read edges between instances of one class', () => {
    expect(renderGraph(bank, { format: 'mermaid' })).toMatchInlineSnapshot(`
      "flowchart LR
        n0(["ingress"])
        n1["Account"]
        n2(["egress"])
        n0 --> n1
        n1 -->|"create"| n1
        n1 -->|"invoke deposit"| n1
        n1 -->|"read balance"| n1
        n1 --> n2
      "
    `);
  });
});

describe('renderGraph, one method', () => {
  it('draws the blocks of User.buy_item with an early return as Mermaid', () => {
    expect(renderGraph(shop, { format: 'mermaid', method: 'User.buy_item' })).toMatchInlineSnapshot(`
      "flowchart TD
        n0(["User.buy_item(amount, item)"])
        n1["b0(amount, item)"]
        n2["b1(__sf_t0, amount, item)"]
        n3["b2(__sf_t1, item, total_price)"]
        n4(("end"))
        n0 --> n1
        n1 -->|"read Item.price"| n2
        n2 -.->|"return"| n4
        n2 -->|"invoke Item.update_stock"| n3
        n3 -->|"return"| n4
      "
    `);
  });

  it('draws the blocks of User.buy_item as DOT', () => {
    expect(renderGraph(shop, { format: 'dot', method: 'User.buy_item' })).toMatchInlineSnapshot(`
      "digraph "User.buy_item" {
        rankdir=TB;
        node [shape=box];
        n0 [label="User.buy_item(amount, item)", shape=oval];
        n1 [label="b0(amount, item)"];
        n2 [label="b1(__sf_t0, amount, item)"];
        n3 [label="b2(__sf_t1, item, total_price)"];
        n4 [label="end", shape=doublecircle];
        n0 -> n1;
        n1 -> n2 [label="read Item.price"];
        n2 -> n4 [label="return", style=dashed];
        n2 -> n3 [label="invoke Item.update_stock"];
        n3 -> n4 [label="return"];
      }
      "
    `);
  });

  it('draws branches, jumps, self calls and creation', () => {
    expect(renderGraph(bank, { format: 'mermaid', method: 'Account.open_savings' })).toMatchInlineSnapshot(`
      "flowchart TD
        n0(["Account.open_savings(name, amount)"])
        n1["b0(name, amount)"]
        n2["b1(__sf_t0, amount)"]
        n3["b2(amount, savings)"]
        n4["b3(__sf_t1, amount, savings)"]
        n5["b4(amount, savings)"]
        n6["b5(__sf_t2, savings)"]
        n7(("end"))
        n0 --> n1
        n1 -->|"create Account"| n2
        n2 -->|"true"| n3
        n2 -->|"false"| n5
        n3 -->|"invoke Account.deposit"| n4
        n4 --> n5
        n5 -->|"invoke self._record"| n6
        n6 -->|"return"| n7
      "
    `);
    expect(renderGraph(bank, { format: 'dot', method: 'Account.open_savings' })).toMatchInlineSnapshot(`
      "digraph "Account.open_savings" {
        rankdir=TB;
        node [shape=box];
        n0 [label="Account.open_savings(name, amount)", shape=oval];
        n1 [label="b0(name, amount)"];
        n2 [label="b1(__sf_t0, amount)"];
        n3 [label="b2(amount, savings)"];
        n4 [label="b3(__sf_t1, amount, savings)"];
        n5 [label="b4(amount, savings)"];
        n6 [label="b5(__sf_t2, savings)"];
        n7 [label="end", shape=doublecircle];
        n0 -> n1;
        n1 -> n2 [label="create Account"];
        n2 -> n3 [label="true"];
        n2 -> n5 [label="false"];
        n3 -> n4 [label="invoke Account.deposit"];
        n4 -> n5;
        n5 -> n6 [label="invoke self._record"];
        n6 -> n7 [label="return"];
      }
      "
    `);
  });

  it('draws a method without remote calls as one node', () => {
    expect(renderGraph(shop, { format: 'mermaid', method: 'Item.update_stock' })).toMatchInlineSnapshot(`
      "flowchart TD
        n0["Item.update_stock (no remote calls)"]
      "
    `);
    expect(renderGraph(shop, { format: 'dot', method: 'User.__init__' })).toMatchInlineSnapshot(`
      "digraph "User.__init__" {
        rankdir=TB;
        node [shape=box];
        n0 [label="User.__init__ (no remote calls)"];
      }
      "
    `);
  });
});

describe('unknown methods', () => {
  it('throws UnknownGraphMethodError listing the methods that exist', () => {
    expect(() => renderGraph(shop, { format: 'mermaid', method: 'User.sell_item' })).toThrow(UnknownGraphMethodError);
    expect(() => renderGraph(shop, { format: 'dot', method: 'buy_item' })).toThrowErrorMatchingInlineSnapshot(`[UnknownGraphMethodError: unknown method 'buy_item'; expected 'Entity.method', one of: Item.__init__, Item.update_stock, User.__init__, User.update_balance, User.buy_item]`);
  });

  it('returns the same as a result from tryRenderGraph', () => {
    expect(tryRenderGraph(shop, { format: 'mermaid', method: 'Shop.buy' })).toEqual({
      ok: false,
      message: expect.stringContaining("unknown method 'Shop.buy'"),
      methods: listGraphMethods(shop),
    });
    expect(listGraphMethods(shop)).toEqual([
      'Item.__init__',
      'Item.update_stock',
      'User.__init__',
      'User.update_balance',
      'User.buy_item',
    ]);
  });
});

describe('escaping', () => {
  // Names the schema allows but Python would not: labels must still be valid syntax.
  const odd = loadFixture('shop.ir.json');
  odd.entities[0].name = 'Item "A" <b>|#1\\';
  odd.entities[1].methods[1].body.blocks[0].terminator.entity = odd.entities[0].name;
  odd.entities[1].methods[1].body.blocks[0].terminator.attr = 'price\n"net"';

  it('escapes quotes and special characters in Mermaid labels', () => {
    expect(renderGraph(odd, { format: 'mermaid' })).toMatchInlineSnapshot(`
      "flowchart LR
        n0(["ingress"])
        n1["Item #34;A#34; #60;b#62;#124;#35;1#92;"]
        n2["User"]
        n3(["egress"])
        n4["Item"]
        n0 --> n1
        n0 --> n2
        n2 -->|"read price #34;net#34;"| n1
        n2 -->|"invoke update_stock"| n4
        n1 --> n3
        n2 --> n3
        n4 --> n3
      "
    `);
  });

  it('escapes quotes, backslashes and newlines in DOT labels', () => {
    expect(renderGraph(odd, { format: 'dot' })).toMatchInlineSnapshot(`
      "digraph "dataflow" {
        rankdir=LR;
        node [shape=box];
        n0 [label="ingress", shape=oval];
        n1 [label="Item \\"A\\" <b>|#1\\\\"];
        n2 [label="User"];
        n3 [label="egress", shape=oval];
        n4 [label="Item"];
        n0 -> n1;
        n0 -> n2;
        n2 -> n1 [label="read price\\n\\"net\\""];
        n2 -> n4 [label="invoke update_stock"];
        n1 -> n3;
        n2 -> n3;
        n4 -> n3;
      }
      "
    `);
  });
});
