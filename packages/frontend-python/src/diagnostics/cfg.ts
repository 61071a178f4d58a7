import { defineDiagnostics } from './define.js';

type Where = { what: string };

/**
 * Diagnostics of the `cfg` stage: control flow around remote interactions (SF3xxx).
 * Retired codes (the constructs are supported now; codes are never reused): SF3001
 * RemoteInLoop, SF3002 RemoteInTry, SF3005 RemoteInComprehension, SF3006
 * RemoteInShortCircuit, SF3007 RemoteInConditionalExpression. Their definitions stay
 * so the codes stay documented.
 */
export const CfgDiagnostics = defineDiagnostics({
  RemoteInLoop: {
    code: 'SF3001',
    message: (d: Where) => `${d.what} inside a loop is not supported yet`,
    help: 'move the loop into a method of the other entity, or unroll it; remote interactions in while/for loops are not split yet',
  },
  RemoteInTry: {
    code: 'SF3002',
    message: (d: Where) => `${d.what} inside try is not supported yet`,
    help: 'move the remote interaction out of the try statement',
  },
  RemoteInWith: {
    code: 'SF3003',
    message: (d: Where) => `${d.what} inside with is not supported yet`,
    help: 'move the remote interaction out of the with statement',
  },
  RemoteInLambda: {
    code: 'SF3004',
    message: (d: Where) => `${d.what} inside a lambda is not supported`,
    help: 'call the entity in the method body and pass the result to the lambda',
  },
  RemoteInComprehension: {
    code: 'SF3005',
    message: (d: Where) => `${d.what} inside a comprehension or generator expression is not supported yet`,
    help: 'collect the values with plain statements outside the comprehension',
  },
  RemoteInShortCircuit: {
    code: 'SF3006',
    message: (d: Where) => `${d.what} on the right of and/or is not supported yet`,
    help: 'assign the left side to a variable and use an if statement',
  },
  RemoteInConditionalExpression: {
    code: 'SF3007',
    message: (d: Where) => `${d.what} inside a conditional expression (x if c else y) is not supported yet`,
    help: 'use an if statement instead',
  },
  GlobalInSplitMethod: {
    code: 'SF3008',
    message: (d: { keyword: string }) => `'${d.keyword}' in a method with remote interactions is not supported`,
    help: 'store the value in entity state (self.x) or pass it as an argument',
  },
  RemoteCallWithUnpacking: {
    code: 'SF3009',
    message: () => 'remote calls with *args or **kwargs unpacking are not supported yet',
    help: 'pass the arguments one by one',
  },
  AssignToRemoteAttribute: {
    code: 'SF3010',
    message: (d: { entity: string; attr: string }) =>
      `cannot assign or delete attribute '${d.attr}' of another entity (${d.entity})`,
    help: 'assign through a method: add a method to the entity that sets the attribute and call it',
  },
  RemoteInNestedFunction: {
    code: 'SF3011',
    message: (d: Where) => `${d.what} inside a nested function or class is not supported`,
    help: 'make the remote interaction in the method body itself',
  },
  RemoteInUnsupportedStatement: {
    code: 'SF3012',
    message: (d: Where & { place: string }) => `${d.what} inside ${d.place} is not supported yet`,
    help: 'assign the result of the remote interaction to a variable first, in its own statement',
  },
  WalrusInSplitStatement: {
    code: 'SF3013',
    message: () => 'an assignment expression (:=) in a statement with remote interactions is not supported',
    help: 'assign the value in a separate statement',
  },
  RemoteInExceptGroup: {
    code: 'SF3015',
    message: (d: Where) => `${d.what} inside an except* clause is not supported`,
    help: 'catch the exception group with a plain except clause, or move the remote interaction out of the except* clause',
  },
  SuperInSplitMethod: {
    code: 'SF3014',
    message: () => 'super() in a method with remote interactions is not supported',
    help: 'call the base implementation from a method without remote interactions',
  },
});
