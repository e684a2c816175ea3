// jest's own order, with the KMM contract suite moved to the front of its bed. KMM records Node
// events through client-go's recorder, which drops a node's events past 25 (then one per 5 min);
// the contract suite checks those events, so it runs before other suites spend the nodes' budget.
import Sequencer from '@jest/test-sequencer';

const runsFirst = /\/ci\/testbed\/agents\/kmm\.cluster\.test\.ts$/;

export default class ContractSuiteFirst extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [
      ...sorted.filter((t) => runsFirst.test(t.path)),
      ...sorted.filter((t) => !runsFirst.test(t.path)),
    ];
  }
}
