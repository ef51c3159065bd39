// Writes the workloads both sides run, into the folder given (default
// `work/`): the same N-stage chain as a dun flow (`chain.dun`) and as an
// Amazon States Language machine (`chain.asl.json`), and the collection
// machine of the engine comparison as a dun flow (`collection.dun`; the
// XState side builds the same machine in `xstate_run.js`).
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.argv[2] || path.join(__dirname, 'work');
const stages = Number(process.argv[3] || 3000);
const steps = 20;
fs.mkdirSync(dir, { recursive: true });

// Each stage sends a message, waits a day and moves on; the last ends.
let dun = `flow chain version 1\ncurrency USD\n\naccount {\n  balance: money\n  mobile: phone\n}\n\n`;
dun += `event payment { amount: money }\n\non payment -> paid\n\nstart s0\n\n`;
for (let i = 0; i < stages; i++) {
  const next = i + 1 < stages ? `goto s${i + 1}` : 'end unpaid';
  dun += `stage s${i} {\n  send sms remind to account.mobile\n  wait 1 day\n  ${next}\n}\n\n`;
}
dun += `stage paid {\n  end paid\n}\n\ntemplate remind for sms "Please pay {account.balance}."\n`;
fs.writeFileSync(path.join(dir, 'chain.dun'), dun);

// The same chain in ASL: a Task (the message) then a Wait of a day per
// stage, a Succeed at the end.
const states = {};
for (let i = 0; i < stages; i++) {
  states[`Send${i}`] = {
    Type: 'Task',
    Resource: 'arn:aws:states:::sns:publish',
    Parameters: { 'PhoneNumber.$': '$.mobile', Message: 'Please pay' },
    Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Paid' }],
    Next: `Wait${i}`,
  };
  states[`Wait${i}`] = {
    Type: 'Wait',
    Seconds: 86400,
    Next: i + 1 < stages ? `Send${i + 1}` : 'Unpaid',
  };
}
states.Paid = { Type: 'Succeed' };
states.Unpaid = { Type: 'Succeed' };
fs.writeFileSync(
  path.join(dir, 'chain.asl.json'),
  JSON.stringify({ Comment: 'chain', StartAt: 'Send0', States: states }, null, 1),
);

// The collection machine: `steps` stages of a message and a day's wait,
// a payment moving the account to `paid` from any stage.
let col = `flow collection version 1\ncurrency USD\n\naccount {\n  balance: money\n  mobile: phone\n}\n\n`;
col += `event payment { amount: money }\n\non payment -> paid\n\nstart c0\n\n`;
for (let i = 0; i < steps; i++) {
  const next = i + 1 < steps ? `goto c${i + 1}` : 'end unpaid';
  col += `stage c${i} {\n  send sms remind to account.mobile\n  wait 1 day\n  ${next}\n}\n\n`;
}
col += `stage paid {\n  end paid\n}\n\ntemplate remind for sms "Please pay {account.balance}."\n`;
fs.writeFileSync(path.join(dir, 'collection.dun'), col);
