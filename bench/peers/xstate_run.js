// The collection machine of `collection.dun` in XState v5, stepped with the
// pure `transition()` for N accounts: each starts, gets a TIMER per stage
// until it ends, and every fourth pays after ten stages. Prints the
// transitions and the process's CPU seconds as JSON.
'use strict';
const { setup, transition, initialTransition } = require('xstate');

const accounts = Number(process.argv[2] || 100000);
const steps = 20;
const states = {};
for (let i = 0; i < steps; i++) {
  states[`c${i}`] = {
    entry: { type: 'sendSms', params: { template: 'remind' } },
    on: { TIMER: i + 1 < steps ? `c${i + 1}` : 'unpaid', PAYMENT: 'paid' },
  };
}
states.paid = { type: 'final' };
states.unpaid = { type: 'final' };
const machine = setup({ actions: { sendSms: () => {} } }).createMachine({
  id: 'collection',
  initial: 'c0',
  context: ({ input }) => ({ balance: input.balance, mobile: input.mobile }),
  states,
});

const cpu0 = process.cpuUsage();
let transitions = 0;
let actions = 0;
for (let a = 0; a < accounts; a++) {
  let [snap, acts] = initialTransition(machine, { balance: 500 + (a % 997), mobile: '+15550100' });
  transitions++;
  actions += acts.length;
  let k = 0;
  while (snap.status === 'active') {
    const event = a % 4 === 0 && k === 10 ? { type: 'PAYMENT', amount: 100 } : { type: 'TIMER' };
    [snap, acts] = transition(machine, snap, event);
    transitions++;
    actions += acts.length;
    k++;
  }
}
const used = process.cpuUsage(cpu0);
console.log(JSON.stringify({ accounts, transitions, actions, cpu_seconds: (used.user + used.system) / 1e6 }));
